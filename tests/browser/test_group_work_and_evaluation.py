"""Group work and a seminar evaluation in the room: phones, the wall and the facilitator.

Every screen has a browser context of its own: phones at 360x640 (one in each test without
JavaScript), the wall at 1280x800 and the facilitator's pages at 1280x800.

1. Group work: the facilitator opens the discussion for notes and adds three free groups;
   four phones join with the room code and choose their group. Two scribes of Table 1 save
   from the same version: the second gets a 409 page with both texts, merges and saves. The
   control view follows by its 3 s poll alone; the wall shows all groups, then one.
2. An evaluation from five phones: five earlier answers with comments are stored through the
   service, so the control page reads 9 comments after four phones (none shown) and 10 after
   the fifth (all shown, in any order). The figure for "How useful" shows from k answers; a
   manager reads the figure on the seminar page, never a comment.

Screenshots go to artifacts/groups/ and artifacts/evaluation/ (git-ignored) for a person to
look at. axe runs where JavaScript does (it hangs without).
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect
from playwright.sync_api import Response as HttpResponse

from seminars import evaluations, rooms, services
from seminars.models import Evaluation, EvaluationResponse, GroupSeat, GroupWork, Seat
from tests.browser.support import Scanner, horizontal_overflow, log_in, small_targets

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ARTIFACTS = Path(settings.BASE_DIR) / "artifacts"
PHONE = {"width": 360, "height": 640}
WALL = {"width": 1280, "height": 800}
DESK = {"width": 1280, "height": 800}
WALL_WAIT_MS = 2_000 * 3  # display.html: hx-trigger="every 2s"
CONTROL_WAIT_MS = 3_000 * 3  # group_control.html: hx-trigger="every 3s"
MARKER = "window.__sameDocument"

QUESTION = "What gets in the way of a good handover?"
FIRST_HEADING = "Challenges"
SECOND_HEADING = "Goals and next steps"
GROUP_NAMES = ["Table 1", "Table 2", "Table 3"]
SCRIBE_A = "Handovers are rushed when the morning round runs late"
SCRIBE_B = "Nobody tells the night shift about changed medication"
TABLE_2 = "The new rota leaves no overlap on Sundays"
TABLE_3 = "Too many phone calls during the round"
TABLE_3_GOAL = "Try a ten-minute huddle at two"

USEFUL = "How useful was the seminar for you?"
WORKED = "What worked well?"
EARLIER_COMMENTS = [
    "The cases from our own units",
    "Time to talk with the other shift",
    "The short film about trust",
    "Clear goals at the start",
    "Coffee and a proper lunch break",
]
# The five phones: (name, JavaScript, value on "How useful", comment on "What worked well?").
EVALUATION_PHONES = [
    ("phone-1", True, 4, "Working in mixed groups"),
    ("phone-2", True, 5, "The facilitator listened to us"),
    ("phone-3-nojs", False, 3, "Writing the notes together"),
    ("phone-4", True, 4, "The examples from home care"),
    ("phone-5", True, 5, "Enough breaks between the parts"),
]


def follow(page: Page, action: Callable[[], None]) -> HttpResponse:
    """Do something that loads a new document; return its (final) response once loaded."""
    with page.expect_navigation() as navigation:
        action()
    response = navigation.value
    assert response is not None
    return response


def screenshot(page: Page, folder: str, name: str, *, full_page: bool = False) -> None:
    (ARTIFACTS / folder).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / folder / f"{name}.png", full_page=full_page)


def open_details(page: Page, summary: str) -> None:
    """Open a <details> by its summary, unless the page already shows it open."""
    details = page.locator("details", has=page.locator("summary", has_text=summary))
    if details.get_attribute("open") is None:
        details.locator("summary").first.click()
    expect(details).to_have_attribute("open", "")


@dataclass
class Phone:
    """One phone in the room: its own browser context, with or without JavaScript."""

    name: str
    page: Page
    javascript: bool
    folder: str

    def join(self, code: str, landing: str) -> None:
        """Type the code from the screen on the join page; land on the one thing open."""
        response = self.page.goto("/j/")
        assert response is not None and response.status == 200
        self.page.get_by_label("Code from the screen").fill(code)
        button = self.page.locator("#main form").get_by_role("button", name="Join")
        assert follow(self.page, button.click).status == 200
        assert re.search(landing, self.page.url), (self.name, self.page.url)

    def shot(self, step: str) -> None:
        assert horizontal_overflow(self.page) is None, f"{self.name} at {step}"
        screenshot(self.page, self.folder, f"{self.name}-{step}", full_page=True)


def wall_fits(wall: Page) -> None:
    scroll_width, width, scroll_height, height = wall.evaluate(
        "() => [document.documentElement.scrollWidth, innerWidth,"
        " document.documentElement.scrollHeight, innerHeight]"
    )
    assert scroll_width <= width and scroll_height <= height, (
        f"the wall scrolls: {scroll_width}x{scroll_height} in {width}x{height}"
    )


# --- 1. Group work ------------------------------------------------------------------------


def test_three_groups_and_two_scribes_racing_on_one(live_server, open_context, cast, request):
    started = time.monotonic()
    programme = cast.programme
    seminar = programme.seminars.get(number=1)
    work = GroupWork.objects.select_related("activity").get(activity__seminar=seminar)
    title = work.activity.title
    assert not work.is_open and not work.groups.exists()
    assert work.heading_list == [FIRST_HEADING, SECOND_HEADING]
    scanner = Scanner()

    # --- The facilitator: run-sheet, control view, settings, three free groups -------------
    control = open_context(language="en", **DESK).new_page()
    log_in(control, cast.facilitator.username)
    control.goto(f"/programmes/{programme.pk}/seminars/{seminar.pk}/")
    run = control.get_by_role("link", name=f"Run the group work {title}")
    assert follow(control, run.click).status == 200
    expect(control.get_by_role("heading", level=1)).to_have_text(title)
    expect(control.locator("#main")).to_contain_text("Closed for notes from phones")

    open_details(control, "Question, headings and writing")
    control.get_by_label("Guiding question").fill(QUESTION)
    control.get_by_label("Open for notes from phones").check()
    settings_form = control.locator("form[action$='/settings/']")
    assert follow(control, settings_form.get_by_role("button", name="Save").click).status == 200
    expect(control.locator(".messages")).to_contain_text("The group work has been saved.")
    expect(control.locator("#main")).to_contain_text("Open for notes from phones")
    work.refresh_from_db()
    assert work.is_open and work.question == QUESTION

    for name in GROUP_NAMES:
        open_details(control, "Add a free group")
        control.get_by_label("Name of the group").fill(name)
        add = control.get_by_role("button", name="Add the group")
        assert follow(control, add.click).status == 200
    cards = control.locator("#groups article.group-notes")
    expect(cards.locator("h3")).to_have_text(GROUP_NAMES)
    expect(cards.filter(has_text="0 phones")).to_have_count(3)
    # The phones only: the wall comes later. Nothing else is open in the room.
    assert [opening.kind for opening in rooms.open_now(seminar)] == ["groups"]
    control.evaluate(f"{MARKER} = 'kept'")

    # --- Four phones join with the room code and choose their groups -----------------------
    plan = [
        ("t1-scribe-a-nojs", False, "Table 1"),
        ("t1-scribe-b", True, "Table 1"),
        ("t2", True, "Table 2"),
        ("t3", True, "Table 3"),
    ]
    phones: list[Phone] = []
    for name, javascript, group in plan:
        context = open_context(language="en", **PHONE, javascript=javascript)
        phone = Phone(name, context.new_page(), javascript, "groups")
        phone.join(seminar.room_code, rf"/g/{work.pk}/$")
        expect(phone.page.get_by_role("heading", level=1)).to_have_text(title)
        expect(phone.page.locator(".board-question")).to_have_text(QUESTION)
        choices = phone.page.get_by_role("group", name="Which group are you in?")
        expect(choices.get_by_role("radio")).to_have_count(3)
        phone.shot("1-choose")
        if name == "t1-scribe-b":
            scanner.scan(phone.page, "phone, group work, choosing a group")
        choices.get_by_role("radio", name=group, exact=True).check()
        join = phone.page.get_by_role("button", name="Join the group")
        assert follow(phone.page, join.click).status == 200
        expect(phone.page.locator("#main")).to_contain_text(f"You are in the group {group}.")
        expect(phone.page.get_by_label(FIRST_HEADING)).to_have_value("")
        phone.shot("2-joined")
        phones.append(phone)
    scribe_a, scribe_b, table_2, table_3 = phones
    assert Seat.objects.filter(seminar=seminar).count() == 4
    assert GroupSeat.objects.filter(work=work, group__name="Table 1").count() == 2
    scanner.scan(scribe_b.page, "phone, group work, the notes form")

    # --- Two scribes of Table 1 write from the same version, without reloading -------------
    scribe_a.page.get_by_label(FIRST_HEADING).fill(SCRIBE_A)
    scribe_b.page.get_by_label(FIRST_HEADING).fill(SCRIBE_B)
    save_a = scribe_a.page.get_by_role("button", name="Save the notes")
    assert follow(scribe_a.page, save_a.click).status == 200
    expect(scribe_a.page.locator(".messages")).to_contain_text("The group’s notes have been saved.")
    expect(scribe_a.page.get_by_label(FIRST_HEADING)).to_have_value(SCRIBE_A)
    scribe_a.shot("3-notes-saved")

    save_b = scribe_b.page.get_by_role("button", name="Save the notes")
    assert follow(scribe_b.page, save_b.click).status == 409
    conflict = scribe_b.page
    expect(conflict.get_by_role("alert")).to_contain_text(
        "Someone in your group saved the notes while you were writing."
    )
    theirs = conflict.locator("section.notes-theirs")
    expect(theirs.get_by_role("heading", name="What the others saved")).to_be_visible()
    expect(theirs).to_contain_text(SCRIBE_A)
    expect(conflict.get_by_role("heading", name="Your text")).to_be_visible()
    expect(conflict.get_by_label(FIRST_HEADING)).to_have_value(SCRIBE_B)  # nothing lost
    expect(conflict.locator(".messages")).to_have_count(0)
    # The message says both texts are below it: the others' first, then the phone's own.
    theirs_top = theirs.bounding_box()["y"]
    form_top = conflict.locator("form.notes-form").bounding_box()["y"]
    assert theirs_top < form_top
    scribe_b.shot("4-conflict")
    scanner.scan(conflict, "phone, group work, the notes conflict (409)")
    table_1 = work.groups.get(name="Table 1")
    assert table_1.notes == {FIRST_HEADING: SCRIBE_A, SECOND_HEADING: ""}
    assert table_1.notes_version == 1

    merged = f"{SCRIBE_A}\n{SCRIBE_B}"
    conflict.get_by_label(FIRST_HEADING).fill(merged)
    save_b = conflict.get_by_role("button", name="Save the notes")
    assert follow(conflict, save_b.click).status == 200
    expect(conflict.locator(".messages")).to_contain_text("The group’s notes have been saved.")
    expect(conflict.locator("section.notes-theirs")).to_have_count(0)
    scribe_b.shot("5-merged-saved")
    table_1.refresh_from_db()
    assert table_1.notes_version == 2
    assert table_1.notes[FIRST_HEADING].split() == merged.split()

    # --- Tables 2 and 3 write theirs --------------------------------------------------------
    table_2.page.get_by_label(FIRST_HEADING).fill(TABLE_2)
    save_2 = table_2.page.get_by_role("button", name="Save the notes")
    assert follow(table_2.page, save_2.click).status == 200
    table_3.page.get_by_label(FIRST_HEADING).fill(TABLE_3)
    table_3.page.get_by_label(SECOND_HEADING).fill(TABLE_3_GOAL)
    save_3 = table_3.page.get_by_role("button", name="Save the notes")
    assert follow(table_3.page, save_3.click).status == 200
    for phone in (table_2, table_3):
        expect(phone.page.locator(".messages")).to_contain_text(
            "The group’s notes have been saved."
        )
        phone.shot("3-notes-saved")

    # --- The control view follows by its poll alone ----------------------------------------
    card = {name: cards.filter(has=control.locator("h3", has_text=name)) for name in GROUP_NAMES}
    expect(card["Table 3"]).to_contain_text(TABLE_3_GOAL, timeout=CONTROL_WAIT_MS)
    for text in (SCRIBE_A, SCRIBE_B):
        expect(card["Table 1"]).to_contain_text(text)
    expect(card["Table 1"]).to_contain_text("2 phones")
    expect(card["Table 2"]).to_contain_text(TABLE_2)
    expect(card["Table 2"]).to_contain_text("1 phone")
    expect(card["Table 3"]).to_contain_text(TABLE_3)
    assert control.evaluate(MARKER) == "kept", "the control view was reloaded"
    screenshot(control, "groups", "control-1-notes", full_page=True)

    # --- The wall: all groups side by side, then Table 2 alone -----------------------------
    token = services.issue_display_token(seminar=seminar)
    wall = open_context(language="en", **WALL).new_page()
    response = wall.goto(f"/display/{token}/")
    assert response is not None and response.status == 200
    expect(wall.locator(".wall-groups")).to_have_count(0)  # the room, until presented
    wall.evaluate(f"{MARKER} = 'kept'")

    show_all = control.get_by_role("button", name="Show all groups on the wall")
    assert follow(control, show_all.click).status == 200
    expect(control.locator(".messages")).to_contain_text("The wall shows it now.")
    expect(show_all).to_have_attribute("aria-pressed", "true")
    wall_cards = wall.locator(".wall-group")
    expect(wall_cards).to_have_count(3, timeout=WALL_WAIT_MS)
    expect(wall.locator(".wall-groups h2")).to_have_text(title)
    expect(wall.locator(".wall-question")).to_have_text(QUESTION)
    expect(wall_cards.locator("h3")).to_have_text(GROUP_NAMES)
    for number, texts in (
        (0, [SCRIBE_A, SCRIBE_B]),
        (1, [TABLE_2]),
        (2, [TABLE_3, TABLE_3_GOAL]),
    ):
        for text in texts:
            expect(wall_cards.nth(number)).to_contain_text(text)
    boxes = [wall_cards.nth(n).bounding_box() for n in range(3)]
    side_by_side = len({round(box["y"]) for box in boxes}) == 1 and (
        boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    )
    assert side_by_side, f"the groups are not side by side: {boxes}"
    wall_fits(wall)
    screenshot(wall, "groups", "wall-1-all-groups")

    present_2 = card["Table 2"].get_by_role("button", name="Show on the wall")
    assert follow(control, present_2.click).status == 200
    expect(card["Table 2"].get_by_role("button", name="Show on the wall")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(control.get_by_role("button", name="Show all groups on the wall")).not_to_have_attribute(
        "aria-pressed", "true"
    )
    expect(wall_cards).to_have_count(1, timeout=WALL_WAIT_MS)
    expect(wall.locator(".wall-group-list.one")).to_have_count(1)
    expect(wall_cards.locator("h3")).to_have_text("Table 2")
    expect(wall_cards).to_contain_text(TABLE_2)
    for text in (SCRIBE_A, SCRIBE_B, TABLE_3):
        expect(wall.locator("#live")).not_to_contain_text(text)
    wall_fits(wall)
    screenshot(wall, "groups", "wall-2-one-group")
    assert wall.evaluate(MARKER) == "kept", "the wall was reloaded"

    print(f"group work in {time.monotonic() - started:.1f} s; axe: {scanner.scans} scans")
    scanner.report(request)


# --- 2. The evaluation --------------------------------------------------------------------


def test_an_evaluation_from_five_phones_and_the_free_text_rule(
    live_server, open_context, cast, request
):
    started = time.monotonic()
    programme = cast.programme
    k = programme.min_group_size
    assert k == 5 and evaluations.COMMENTS_FROM == 10
    seminar = programme.seminars.get(number=1)
    evaluation = Evaluation.objects.select_related("activity").get(activity__seminar=seminar)
    title = evaluation.activity.title
    assert not evaluation.is_open
    scanner = Scanner()

    # --- The facilitator opens the evaluation on its control page ---------------------------
    control = open_context(language="en", **DESK).new_page()
    log_in(control, cast.facilitator.username)
    control.goto(f"/programmes/{programme.pk}/seminars/{seminar.pk}/")
    run = control.get_by_role("link", name=f"Run the evaluation {title}")
    assert follow(control, run.click).status == 200
    expect(control.get_by_role("heading", level=1)).to_have_text(title)
    control.get_by_label("Open for answers from phones").check()
    save = control.locator("#main form:not([action])").get_by_role("button", name="Save")
    assert follow(control, save.click).status == 200
    expect(control.locator(".messages")).to_contain_text("The evaluation has been saved.")
    expect(control.get_by_label("Open for answers from phones")).to_be_checked()
    evaluation.refresh_from_db()
    assert evaluation.is_open
    # Only the evaluation is open in seminar 1's room: the phones land on it.
    assert [opening.kind for opening in rooms.open_now(seminar)] == ["evaluation"]

    # --- Five earlier answers, each with a comment and no figure, from seats of their own ---
    asked = {question.text: question for question in evaluations.asked_in(evaluation)}
    for comment in EARLIER_COMMENTS:
        seat = Seat.objects.create(seminar=seminar, key=secrets.token_hex(16))
        stored = services.submit_evaluation(
            evaluation=evaluation,
            seat=seat,
            key=uuid.uuid4(),
            answers={asked[WORKED].pk: comment},
        )
        assert stored

    figures = control.locator(".evaluation-figures > div")
    useful = figures.filter(has=control.locator("dt", has_text=USEFUL)).locator("dd")
    worked = control.locator("section.evaluation-comments").filter(
        has=control.get_by_role("heading", name=WORKED)
    )

    def comment_count(n: int) -> None:
        """The control page (it does not poll): the answers so far and the comment rule."""
        control.reload()
        answered = len(EARLIER_COMMENTS) + n
        expect(control.locator("#main")).to_contain_text(f"{answered} have answered.")
        comments = answered  # every answer carries a comment on "What worked well?"
        if comments < evaluations.COMMENTS_FROM:
            expect(worked).to_contain_text(
                f"{comments} comments so far: comments are shown from 10"
            )
            expect(worked.locator("ul.comments")).to_have_count(0)
            for _name, _js, _value, text in EVALUATION_PHONES:
                expect(control.locator("#main")).not_to_contain_text(text)
            for text in EARLIER_COMMENTS:
                expect(control.locator("#main")).not_to_contain_text(text)
        # The figure: only from k values of "How useful" (the phones give them, one each).
        if n < k:
            expect(useful).to_contain_text(f"shown from {k} answers")
            expect(useful.locator("strong")).to_have_count(0)

    comment_count(0)

    # --- Five phones join with the room code and answer -------------------------------------
    phones: list[Phone] = []
    for name, javascript, _value, _text in EVALUATION_PHONES:
        context = open_context(language="en", **PHONE, javascript=javascript)
        phone = Phone(name, context.new_page(), javascript, "evaluation")
        phone.join(seminar.room_code, rf"/e/{evaluation.pk}/$")
        expect(phone.page.get_by_role("heading", level=1)).to_have_text(title)
        phones.append(phone)

    for number, (phone, (_name, _js, value, text)) in enumerate(
        zip(phones, EVALUATION_PHONES, strict=True), start=1
    ):
        page = phone.page
        scale = page.get_by_role("group", name=USEFUL)
        expect(scale.get_by_role("radio")).to_have_count(5)
        if number == 1:
            phone.shot("1-form")
            scanner.scan(page, "phone, evaluation form")
            assert small_targets(page) == [], "the 1-5 choices are large targets"
        scale.get_by_role("radio", name=str(value), exact=True).check()
        page.get_by_label(WORKED).fill(text)
        if number == 1:
            phone.shot("2-form-filled")
        send = page.locator("form.evaluation-form").get_by_role("button", name="Send")
        assert follow(page, send.click).status == 200
        assert re.search(rf"/e/{evaluation.pk}/$", page.url), page.url
        expect(page.locator(".messages")).to_contain_text("Thank you for your answers.")
        expect(page.locator("#main")).to_contain_text(
            "Thank you: your answers are saved anonymously."
        )
        expect(page.locator("form.evaluation-form")).to_have_count(0)
        if number in (1, 3):
            phone.shot("3-thank-you")
        if number < len(phones):
            comment_count(number)
        if number == len(phones) - 1:
            # 9 comments: the rule on the facilitator's screen, and no comment.
            expect(worked).to_contain_text(
                "9 comments so far: comments are shown from 10, so that nobody can be "
                "recognised by their words."
            )
            screenshot(control, "evaluation", "control-1-nine-comments", full_page=True)
            scanner.scan(control, "evaluation control, 9 comments")
    assert EvaluationResponse.objects.filter(evaluation=evaluation).count() == 10

    # --- 10 comments: all of them, in mixed order, and the figure from k answers -----------
    control.reload()
    expect(control.locator("#main")).to_contain_text("10 have answered.")
    expect(worked).to_contain_text("10 comments, in mixed order.")
    shown = worked.locator("ul.comments > li")
    expect(shown).to_have_count(10)
    expected = EARLIER_COMMENTS + [text for *_rest, text in EVALUATION_PHONES]
    assert sorted(shown.all_inner_texts()) == sorted(expected)
    values = [value for _name, _js, value, _text in EVALUATION_PHONES]
    mean = f"{sum(values) / len(values):.1f}"
    expect(useful.locator("strong")).to_have_text(mean)
    expect(useful).to_contain_text(f"n={k}")
    screenshot(control, "evaluation", "control-2-ten-comments", full_page=True)
    scanner.scan(control, "evaluation control, 10 comments")

    # --- The manager: the figure on the seminar page, never a comment ----------------------
    manager = open_context(language="en", **DESK).new_page()
    log_in(manager, cast.manager.username)
    response = manager.goto(f"/programmes/{programme.pk}/seminars/{seminar.pk}/")
    assert response is not None and response.status == 200
    section = manager.locator("section").filter(
        has=manager.get_by_role("heading", name="Evaluation", exact=True)
    )
    expect(section).to_contain_text("10 have answered.")
    figure = section.locator(".evaluation-figures > div").filter(
        has=manager.locator("dt", has_text=USEFUL)
    )
    expect(figure.locator("strong")).to_have_text(mean)
    expect(figure).to_contain_text(f"n={k}")
    page_text = manager.locator("body").inner_text()
    leaked = [text for text in expected if text in page_text]
    assert not leaked, f"comments on the manager's seminar page: {leaked}"
    expect(manager.get_by_role("link", name=re.compile("^Run the evaluation"))).to_have_count(0)
    screenshot(manager, "evaluation", "manager-seminar-page", full_page=True)

    print(f"evaluation in {time.monotonic() - started:.1f} s; axe: {scanner.scans} scans")
    scanner.report(request)
