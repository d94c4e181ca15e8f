"""A trial-period logbook between two workshops: tasks at workshop 1, a logbook through a
group link without an account, and workshop 2's run-sheet opening with both.

Every screen has a browser context of its own: phones at 360x640 (the Maths team's phones
without JavaScript) and the facilitator's pages at 1280x800.

1. A three-workshop programme: the facilitator opens workshop 1's trial-period group work
   ("Experiments for the trial period") for notes and adds two free groups.
2. Two phones join with the room code, choose their group and write their tasks under
   "Try this before next time".
3. The facilitator gives each group a logbook link and reads it off the control page.
4. Between workshops a fresh phone without JavaScript opens the Maths team's link: it sees
   the tasks, writes two entries (one form sent twice stores one entry) and an empty
   "What we tried" is refused without storing anything.
5. Workshop 2's run-sheet opens with both groups' tasks and the Maths team's logbook.
6. A second link for the Maths team voids the first (404).

Screenshots go to artifacts/trial/ (git-ignored) for a person to look at. axe runs where
JavaScript does (it hangs without).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import Response as HttpResponse

from programmes.services import create_programme
from seminars import rooms
from seminars.models import GroupSeat, GroupWork, LogbookEntry, Seat
from tests.browser.support import Scanner, horizontal_overflow, log_in, small_targets

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ARTIFACTS = Path(settings.BASE_DIR) / "artifacts"
FOLDER = "trial"
PHONE = {"width": 360, "height": 640}
DESK = {"width": 1280, "height": 800}
CONTROL_WAIT_MS = 3_000 * 3  # group_control.html: hx-trigger="every 3s"

WORK_TITLE = "Experiments for the trial period"
WORKSHOP_1 = "Workshop 1: Where do we stand?"
HEADING = "Try this before next time"
MATHS, YEAR_7 = "Maths team", "Year 7 team"
GROUP_NAMES = [MATHS, YEAR_7]
MATHS_TASK = "Start every lesson with a two-minute check-in"
YEAR_7_TASK = "Walk-and-talk with the pupils on Fridays"
# The Maths team's logbook: (what we tried, what happened).
ENTRIES = [
    ("Check-ins in four lessons", "Calmer starts; two quiet pupils spoke up"),
    ("A check-in in the Monday staff meeting", "It took twelve minutes: too long"),
]


def follow(page: Page, action: Callable[[], None]) -> HttpResponse:
    """Do something that loads a new document; return its (final) response once loaded."""
    with page.expect_navigation() as navigation:
        action()
    response = navigation.value
    assert response is not None
    return response


def screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    (ARTIFACTS / FOLDER).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / FOLDER / f"{name}.png", full_page=full_page)


def open_details(page: Page, summary: str) -> None:
    """Open a <details> by its summary, unless the page already shows it open."""
    details = page.locator("details", has=page.locator("summary", has_text=summary))
    if details.get_attribute("open") is None:
        details.locator("summary").first.click()
    expect(details).to_have_attribute("open", "")


def phone_fits(page: Page, where: str) -> None:
    assert horizontal_overflow(page) is None, f"the phone scrolls sideways at {where}"


def logbook_link(control: Page, group: str) -> str:
    """The group's logbook address as the control page lists it (with its QR code)."""
    section = control.locator("section[aria-labelledby=logbooks]")
    expect(section.get_by_role("heading", name="Logbooks for the trial period")).to_be_visible()
    article = section.locator("article.logbook-link").filter(
        has=control.get_by_role("heading", name=group, exact=True)
    )
    expect(article).to_have_count(1)
    expect(article.locator(".doc-qr svg")).to_have_count(1)
    link = article.get_by_role("link")
    url = link.get_attribute("href")
    assert url and re.fullmatch(r"http://[^/]+/l/[^/]+/", url), url
    expect(link).to_have_text(url)
    return url


def give_link(control: Page, group: str) -> str:
    button = control.get_by_role("button", name=f"Give a logbook link {group}", exact=True)
    assert follow(control, button.click).status == 200
    return logbook_link(control, group)


def logbook_form_data(page: Page) -> dict[str, str]:
    """The logbook form's fields as the browser would send them."""
    form = page.locator("#main form[method=post]").last
    return {
        name: form.locator(f"[name={name}]").input_value()
        for name in ("csrfmiddlewaretoken", "key", "tried", "happened")
    }


def write_entry(page: Page, tried: str, happened: str, *, status: int = 200) -> None:
    """Fill in the logbook form and send it with the browser's own button."""
    page.get_by_label("What we tried").fill(tried)
    page.get_by_label("What happened").fill(happened)
    response = follow(page, page.get_by_role("button", name="Save in the logbook").click)
    sent = response.request.redirected_from or response.request
    assert response.status == status, (
        f"the logbook form answered {response.status}, not {status}"
        f" (the browser sent Origin: {sent.header_value('origin')})"
    )


def fresh_phone(open_context, *, javascript: bool) -> tuple[BrowserContext, Page]:
    context = open_context(language="en", **PHONE, javascript=javascript)
    return context, context.new_page()


def test_a_trial_period_logbook_between_two_workshops(live_server, open_context, cast, request):
    started = time.monotonic()
    programme = create_programme(
        workspace=cast.programme.workspace,
        organisation="Skovby Skole",
        title="Tre workshops om trivsel",
        language="en",
        template="three_workshops",
    )
    seminar = programme.seminars.get(number=1)
    assert seminar.title == WORKSHOP_1
    work = GroupWork.objects.select_related("activity").get(
        activity__seminar=seminar, trial_period=True
    )
    assert work.activity.title == WORK_TITLE
    assert work.heading_list == [HEADING]
    assert not work.is_open and not work.groups.exists()
    scanner = Scanner()

    # --- 1. The facilitator: workshop 1's run-sheet, the trial-period group work ----------
    control = open_context(language="en", **DESK).new_page()
    log_in(control, cast.facilitator.username)
    response = control.goto(f"/programmes/{programme.pk}/seminars/{seminar.pk}/")
    assert response is not None and response.status == 200
    expect(control.locator("section.trial-period")).to_have_count(0)  # nothing before it
    run = control.get_by_role("link", name=f"Run the group work {WORK_TITLE}", exact=True)
    assert follow(control, run.click).status == 200
    expect(control.get_by_role("heading", level=1)).to_have_text(WORK_TITLE)
    expect(control.locator("#main")).to_contain_text("Closed for notes from phones")
    expect(control.locator("article.logbook-link")).to_have_count(0)

    open_details(control, "Question, headings and writing")
    expect(control.get_by_label("Tasks for a trial period")).to_be_checked()
    control.get_by_label("Open for notes from phones").check()
    settings_form = control.locator("form[action$='/settings/']")
    assert follow(control, settings_form.get_by_role("button", name="Save").click).status == 200
    expect(control.locator(".messages")).to_contain_text("The group work has been saved.")
    expect(control.locator("#main")).to_contain_text("Open for notes from phones")
    work.refresh_from_db()
    assert work.is_open and work.trial_period and work.heading_list == [HEADING]

    for name in GROUP_NAMES:
        open_details(control, "Add a free group")
        control.get_by_label("Name of the group").fill(name)
        add = control.get_by_role("button", name="Add the group")
        assert follow(control, add.click).status == 200
    cards = control.locator("#groups article.group-notes")
    expect(cards.locator("h3")).to_have_text(GROUP_NAMES)
    assert [opening.kind for opening in rooms.open_now(seminar)] == ["groups"]

    # --- 2. Two phones in workshop 1's room write their tasks -----------------------------
    room_phones = [("maths-nojs", False, MATHS, MATHS_TASK), ("year7", True, YEAR_7, YEAR_7_TASK)]
    for name, javascript, group, task in room_phones:
        _context, phone = fresh_phone(open_context, javascript=javascript)
        response = phone.goto("/j/")
        assert response is not None and response.status == 200
        phone.get_by_label("Code from the screen").fill(seminar.room_code)
        join = phone.locator("#main form").get_by_role("button", name="Join")
        assert follow(phone, join.click).status == 200
        assert re.search(rf"/g/{work.pk}/$", phone.url), (name, phone.url)
        expect(phone.get_by_role("heading", level=1)).to_have_text(WORK_TITLE)
        choices = phone.get_by_role("group", name="Which group are you in?")
        choices.get_by_role("radio", name=group, exact=True).check()
        button = phone.get_by_role("button", name="Join the group")
        assert follow(phone, button.click).status == 200
        expect(phone.locator("#main")).to_contain_text(f"You are in the group {group}.")
        phone.get_by_label(HEADING).fill(task)
        save = phone.get_by_role("button", name="Save the notes")
        assert follow(phone, save.click).status == 200
        expect(phone.locator(".messages")).to_contain_text("The group’s notes have been saved.")
        expect(phone.get_by_label(HEADING)).to_have_value(task)
        phone_fits(phone, f"{name}, tasks saved")
        screenshot(phone, f"room-{name}-tasks")
    assert Seat.objects.filter(seminar=seminar).count() == 2
    assert GroupSeat.objects.filter(work=work).count() == 2
    assert {g.name: g.notes for g in work.groups.all()} == {
        MATHS: {HEADING: MATHS_TASK},
        YEAR_7: {HEADING: YEAR_7_TASK},
    }

    # --- 3. The facilitator gives each group its logbook link -----------------------------
    card = {name: cards.filter(has=control.locator("h3", has_text=name)) for name in GROUP_NAMES}
    expect(card[YEAR_7]).to_contain_text(YEAR_7_TASK, timeout=CONTROL_WAIT_MS)
    expect(card[MATHS]).to_contain_text(MATHS_TASK)
    links = {name: give_link(control, name) for name in GROUP_NAMES}
    # Both stay listed after the second link is given; they differ.
    assert logbook_link(control, MATHS) == links[MATHS]
    assert links[MATHS] != links[YEAR_7]
    screenshot(control, "control-logbook-links")

    # --- 4. Between workshops: the Maths team's logbook on a phone without JavaScript ------
    _context, logbook = fresh_phone(open_context, javascript=False)
    response = logbook.goto(links[MATHS])
    assert response is not None and response.status == 200
    assert (
        response.headers.get("referrer-policy") == "same-origin"
    )  # a no-referrer page sends Origin: null, and CSRF refuses it
    expect(logbook.get_by_role("heading", level=1)).to_have_text(f"Logbook: {MATHS}")
    expect(logbook.locator("#main")).to_contain_text(WORKSHOP_1)
    tasks = logbook.locator("section[aria-labelledby=tasks]")
    expect(tasks.get_by_role("heading", name="What we will try")).to_be_visible()
    expect(tasks).to_contain_text(MATHS_TASK)
    expect(tasks).not_to_contain_text(YEAR_7_TASK)
    written = logbook.locator("section[aria-labelledby=entries]")
    expect(written).to_contain_text("Nothing yet. Write a line when you have tried something.")
    phone_fits(logbook, "the empty logbook")
    screenshot(logbook, "logbook-1-empty")

    write_entry(logbook, *ENTRIES[0])
    assert logbook.url == links[MATHS]
    expect(logbook.locator(".messages")).to_contain_text("Saved in the logbook.")
    expect(written.locator("article.logbook-entry")).to_have_count(1)

    # The second entry, sent twice: the browser's tap, then the very same form once more.
    tried, happened = ENTRIES[1]
    logbook.get_by_label("What we tried").fill(tried)
    logbook.get_by_label("What happened").fill(happened)
    sent = logbook_form_data(logbook)
    assert sent["tried"] == tried and sent["key"]
    write_entry(logbook, tried, happened)
    again = logbook.request.post(links[MATHS], form=sent, max_redirects=0)
    assert again.status == 302, again.status
    assert again.headers["location"] == urlsplit(links[MATHS]).path
    logbook.reload()
    entries = written.locator("article.logbook-entry")
    expect(entries).to_have_count(2)
    for number, (tried, happened) in enumerate(ENTRIES):
        expect(entries.nth(number)).to_contain_text(tried)
        expect(entries.nth(number)).to_contain_text(happened)
    stored = LogbookEntry.objects.filter(group__work=work)
    assert list(stored.values_list("group__name", "tried", "happened")) == [
        (MATHS, *entry) for entry in ENTRIES
    ]
    assert stored.filter(key=sent["key"]).count() == 1
    phone_fits(logbook, "the logbook with two entries")
    screenshot(logbook, "logbook-2-two-entries")

    # An empty "What we tried": an error, and nothing stored.
    write_entry(logbook, "", "Something without a trial", status=422)
    alert = logbook.get_by_role("alert")
    expect(alert).to_contain_text("It was not saved:")
    expect(alert).to_contain_text("This field is required.")
    expect(logbook.get_by_label("What happened")).to_have_value("Something without a trial")
    expect(logbook.locator(".messages")).to_have_count(0)
    assert stored.count() == 2
    phone_fits(logbook, "the refused entry")
    screenshot(logbook, "logbook-3-error")

    # The same logbook with JavaScript, for axe (and the tap targets on a phone).
    _context, logbook_js = fresh_phone(open_context, javascript=True)
    response = logbook_js.goto(links[MATHS])
    assert response is not None and response.status == 200
    expect(logbook_js.locator("article.logbook-entry")).to_have_count(2)
    scanner.scan(logbook_js, "phone, the Maths team's logbook")
    targets = small_targets(logbook_js)
    assert targets == [], f"small tap targets on the logbook: {targets}"
    write_entry(logbook_js, "", "", status=422)
    expect(logbook_js.get_by_role("alert")).to_contain_text("This field is required.")
    scanner.scan(logbook_js, "phone, the logbook refusing an empty entry")
    screenshot(logbook_js, "logbook-4-js-error")
    assert stored.count() == 2

    # --- 5. Workshop 2's run-sheet opens with the trial period ----------------------------
    response = control.goto(
        f"/programmes/{programme.pk}/seminars/{programme.seminars.get(number=2).pk}/"
    )
    assert response is not None and response.status == 200
    trial = control.locator("section.trial-period")
    expect(trial).to_have_count(1)
    expect(trial.get_by_role("heading", level=2)).to_have_text(
        f"From the trial period after “{WORKSHOP_1}”"
    )
    groups = trial.locator("article.group-notes")
    expect(groups.locator("h3")).to_have_text(GROUP_NAMES)
    maths, year_7 = groups.nth(0), groups.nth(1)
    expect(maths).to_contain_text(MATHS_TASK)
    for tried, happened in ENTRIES:
        expect(maths).to_contain_text(f"{tried}: {happened}")
    expect(maths).not_to_contain_text("Nothing written in the logbook.")
    expect(year_7).to_contain_text(YEAR_7_TASK)
    expect(year_7).to_contain_text("Nothing written in the logbook.")
    # The trial period comes before the agenda.
    agenda = control.get_by_role("heading", name="Agenda", exact=True)
    assert trial.bounding_box()["y"] < agenda.bounding_box()["y"]
    screenshot(control, "runsheet-workshop-2")
    scanner.scan(control, "run-sheet of workshop 2")

    # --- 6. A second link for the Maths team voids the first ------------------------------
    control.goto(f"/programmes/{programme.pk}/seminars/{seminar.pk}/")
    run = control.get_by_role("link", name=f"Run the group work {WORK_TITLE}", exact=True)
    assert follow(control, run.click).status == 200
    old = links[MATHS]
    new = give_link(control, MATHS)
    assert new != old
    assert logbook_link(control, YEAR_7) == links[YEAR_7]  # the other group's is untouched
    response = logbook.goto(old)
    assert response is not None and response.status == 404
    expect(logbook.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(logbook.locator("#main form")).to_have_count(0)
    expect(logbook.locator("#main")).not_to_contain_text(MATHS_TASK)
    screenshot(logbook, "logbook-5-old-link-404")
    response = logbook.goto(new)
    assert response is not None and response.status == 200
    expect(logbook.locator("article.logbook-entry")).to_have_count(2)  # the logbook is kept
    response = logbook.goto(links[YEAR_7])
    assert response is not None and response.status == 200
    expect(logbook.get_by_role("heading", level=1)).to_have_text(f"Logbook: {YEAR_7}")

    print(f"trial period in {time.monotonic() - started:.1f} s; axe: {scanner.scans} scans")
    scanner.report(request)
