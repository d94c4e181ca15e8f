"""No stored payload runs on any page (QUALITY I-3).

The demo builds a programme in every format (seminars with boards, votes, group notes,
evaluations, team plans, a trial-period logbook, survey rounds with answers); then every
text that staff or phones type is overwritten with the corpus of tests/xss_corpus.py, many
payloads to a field, and a personal plan is written with payloads in every field. One
browser then opens each page type once: as the facilitator, as the manager, on the
projector and on a phone (360x640).

On every page a dialog listener, a console watch (errors, CSP violations, and the
`securitypolicyviolation` event), a request watch for any address holding a marker, and a
look at the DOM after load (globals, elements with a payload's id, event-handler and `hx-*`
attributes holding a marker, links and sources to a marker or to `javascript:` / `data:`,
`{{7*7}}` turned into 49) must all find nothing. The test prints how many (payload x page)
combinations it checked: a payload counts on a page when its marker is in the page.

How we know it can fail: with `{{ seminar.goals|safe }}` in seminar_detail.html it failed
with 183 findings (elements #xss30, #xss37 and more, an <object> with a data: URL, CSP
violations of inline handlers); before the plotly labels were escaped (surveys/charts.py
`plain`), it failed on the results page, for the facilitator and the manager, with
xlink:href=https://x.example/xss57: a live link plotly drew from a round title.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from actionplans.models import PlanningRun, TeamPlan
from programmes.models import (
    AuditEntry,
    Participant,
    Programme,
    ProgrammeManager,
    User,
    new_token,
)
from seminars.models import (
    Activity,
    Board,
    Evaluation,
    GroupWork,
    Post,
    Seminar,
    Wall,
    WorkGroup,
)
from seminars.services import issue_display_token, release_documentation
from surveys.models import Event, Instrument, Round
from tests import xss_corpus
from tests.browser.support import log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"width": 360, "height": 640}
DESK = {"width": 1280, "height": 800}

# Runs before any page script: every CSP violation the page meets is kept for the check.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
});
"""

# Everything a payload would leave behind had it been read as markup or script.
TRACES_JS = r"""
() => {
  const marker = /xss\d\d/;
  const found = [];
  for (const key of Object.getOwnPropertyNames(window)) {
    if (/^xss\d\d$/.test(key)) found.push('global ' + key);
  }
  for (const element of document.querySelectorAll('[id]')) {
    if (marker.test(element.id)) found.push('element #' + element.id);
  }
  const urls = ['href', 'xlink:href', 'src', 'action', 'formaction', 'data', 'srcdoc'];
  for (const element of document.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value;
      const handler = name.startsWith('on') || name.startsWith('hx-')
        || name.startsWith('data-hx-') || name === 'style' || name === 'http-equiv';
      if (handler && marker.test(value)) found.push(name + '="' + value.slice(0, 60) + '"');
      if (urls.includes(name) && marker.test(value)) found.push(name + '=' + value.slice(0, 60));
      const scheme = value.trim().toLowerCase();
      const ownImage = element.tagName === 'IMG' && scheme.startsWith('data:image/');
      const noIcon = element.matches('link[rel=icon]') && scheme === 'data:,';  // display.html
      if (urls.includes(name) && !ownImage && !noIcon
          && /^(javascript|vbscript|data):/.test(scheme.replace(/\s/g, ''))) {
        found.push(element.tagName + ' ' + name + '=' + value.slice(0, 60));
      }
    }
  }
  for (const tag of ['base', 'meta[http-equiv=refresh]', 'object', 'embed', 'iframe']) {
    for (const element of document.querySelectorAll(tag)) {
      if (marker.test(element.outerHTML)) found.push('injected ' + tag);
    }
  }
  if (/xss33\s+(49|\d{4})/.test(document.body.innerText)) found.push('template evaluated');
  for (const violation of window.__cspViolations || []) found.push('CSP ' + violation);
  return found;
}
"""


FAILED_LOAD = "Failed to load resource: the server responded with a status of 4"


@dataclass
class World:
    """The demo after the payloads, with what the pages need."""

    programme: Programme
    seminars: dict[int, Seminar]
    recovery_code: str
    displays: dict[int, str] = field(default_factory=dict)  # seminar number: display path
    documentation: str = ""
    logbook: str = ""
    values: int = 0


@dataclass
class Sweep:
    """What the watches found, page by page, and which payloads each page held."""

    problems: list[str] = field(default_factory=list)
    seen: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # marker: pages
    pages: int = 0
    combinations: int = 0

    def watch(self, context: BrowserContext, who: str) -> Page:
        """A page in `context` with a listener for every way a payload could show it ran."""
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()

        def on_dialog(dialog) -> None:
            self.problems.append(f"{who} {page.url}: dialog {dialog.message!r}")
            dialog.dismiss()

        def on_console(message) -> None:
            # A 4xx the test asked for is reported too; a request a payload made is caught
            # by its address below.
            if message.type == "error" and not message.text.startswith(FAILED_LOAD):
                self.problems.append(f"{who} {page.url}: console {message.text[:200]}")

        def on_request(request) -> None:
            if xss_corpus.MARKER.search(request.url):
                self.problems.append(f"{who} {page.url}: request to {request.url}")

        page.on("dialog", on_dialog)
        page.on("console", on_console)
        page.on("pageerror", lambda error: self.problems.append(f"{who} {page.url}: {error}"))
        context.on("request", on_request)
        return page

    def visit(
        self, page: Page, who: str, url: str | None = None, status: int = 200, *, shows=True
    ) -> None:
        """Open `url` (or check the page in hand), then look for traces and count payloads."""
        if url is not None:
            try:
                response = page.goto(url)
            except PlaywrightError as error:  # a status Chromium will not render, a 405
                self.problems.append(f"{who} {url}: {error.message.splitlines()[0]}")
                return
            if response is None or response.status != status:
                self.problems.append(f"{who} {url}: status {response and response.status}")
        name = f"{who} {page.url.split('://', 1)[1].split('/', 1)[1]}"
        try:
            traces, content = page.evaluate(TRACES_JS), page.content()
        except PlaywrightError as error:  # an injected refresh or script took the page away
            self.problems.append(f"{name}: {error.message.splitlines()[0]}")
            return
        self.problems += [f"{name}: {trace}" for trace in traces]
        markers = set(xss_corpus.MARKER.findall(content))
        if shows and not markers:
            self.problems.append(f"{name} shows no payload: it tests nothing")
        for found in markers:
            self.seen[found].add(name)
        self.pages += 1
        self.combinations += len(markers)


def build() -> World:
    """The demo, its seminars 1 and 2 running today, then the payloads in every text."""
    call_command("demo", stdout=io.StringIO())
    programme = Programme.objects.get(template=Programme.Template.FOUR_SEMINARS)
    seminars = {s.number: s for s in programme.seminars.all()}
    today = seminars[2].date
    Seminar.objects.filter(pk=seminars[1].pk).update(date=today)  # its phones are let in
    seminars[1].refresh_from_db()
    GroupWork.objects.filter(activity__seminar=seminars[1]).update(is_open=True)
    Evaluation.objects.filter(activity__seminar=seminars[2]).update(is_open=True)
    for user in User.objects.filter(username__in=["facilitator", "manager"]):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    unit = programme.units.filter(parent__isnull=False).first()
    stored = xss_corpus.store_everywhere(personal_plan_programme=programme, personal_plan_unit=unit)
    # Audit rows: one named by the facilitator's id (its name is a payload now), one from
    # before actors were named by id, holding its actor as text.
    facilitator = User.objects.get(username="facilitator")
    for actor_id, actor in ((facilitator.pk, ""), (None, xss_corpus.fill(150, 11))):
        AuditEntry.objects.create(
            actor_id=actor_id,
            actor=actor,
            role="facilitator",
            workspace_id=programme.workspace_id,
            programme_id=programme.pk,
            action="programme.edit",
            object_type="programmes.programme",
            object_id=str(programme.pk),
            summary=xss_corpus.fill(300, 12),
            details={"fields": ["title"]},
        )
    world = World(programme, seminars, stored.recovery_code, values=stored.values)
    for number in (1, 2, 3):
        token = issue_display_token(seminar=seminars[number])
        world.displays[number] = reverse("display", args=[token])
    world.documentation = reverse(
        "documentation_shared",
        args=[release_documentation(request=None, seminar=seminars[1], nonce="xss")],
    )
    group = WorkGroup.objects.filter(work__activity__seminar__programme__template="three_workshops")
    token, token_hash = new_token()
    group.filter(pk=group.order_by("pk")[0].pk).update(logbook_token_hash=token_hash)
    world.logbook = reverse("logbook", args=[token])
    return world


def activity_url(name: str, row, **extra) -> str:
    """A facilitator's page of an agenda row's activity (board, groups, evaluation)."""
    seminar = row.activity.seminar
    args = [seminar.programme_id, seminar.pk, row.activity_id, *extra.values()]
    return reverse(name, args=args)


def facilitator_pages(world: World) -> list[str]:
    programme, seminars = world.programme, world.seminars
    pk = programme.pk
    instrument = Instrument.objects.filter(items__isnull=False).order_by("pk").first()
    pages = [
        reverse("home"),
        reverse("workspace", args=[programme.workspace_id]),
        reverse("workspace_audit", args=[programme.workspace_id]),
        reverse("instruments"),
        reverse("instrument_detail", args=[instrument.pk]),
    ]
    for name in (
        "programme_detail",
        "programme_edit",
        "programme_delete",
        "units",
        "participants",
        "managers",
        "audit_log",
        "evaluation_questions",
        "rounds",
        "survey_setup",
        "survey_preview",
        "results",
        "plans",
    ):
        pages.append(reverse(name, args=[pk]))
    pages += [
        reverse("unit_edit", args=[pk, programme.units.order_by("pk")[1].pk]),
        reverse("participant_edit", args=[pk, programme.participants.first().pk]),
        reverse("event_edit", args=[pk, Event.objects.filter(programme=programme)[0].pk]),
    ]
    pages += [reverse("round_detail", args=[pk, r.pk]) for r in programme.rounds.all()]
    pages += [
        reverse("plan_detail", args=[pk, plan.pk])
        for plan in TeamPlan.objects.filter(programme=programme)
    ]
    for number, seminar in seminars.items():
        pages.append(reverse("seminar_detail", args=[pk, seminar.pk]))
        if number <= 2:
            pages.append(reverse("seminar_documentation", args=[pk, seminar.pk]))
    pages.append(reverse("seminar_remove", args=[pk, seminars[4].pk]))
    activity = Activity.objects.filter(seminar=seminars[1]).order_by("position")[0]
    pages.append(reverse("activity_edit", args=[pk, seminars[1].pk, activity.pk]))
    for board in Board.objects.filter(activity__seminar__programme__workspace=programme.workspace):
        if board.posts.exists():
            pages.append(activity_url("board_control", board))
    post = Post.objects.filter(board__activity__seminar=seminars[2]).order_by("pk")[0]
    pages.append(activity_url("board_post_edit", post.board, post=post.pk))
    for work in GroupWork.objects.filter(
        activity__seminar__programme__workspace=programme.workspace
    ):
        if work.groups.exists():
            pages.append(activity_url("group_control", work))
    for evaluation in Evaluation.objects.filter(activity__seminar__number__lte=2):
        if evaluation.activity.seminar.programme_id == pk:
            pages.append(activity_url("evaluation_control", evaluation))
    for other in Programme.objects.exclude(pk=pk):
        pages.append(reverse("programme_detail", args=[other.pk]))
        pages += [reverse("seminar_detail", args=[other.pk, s.pk]) for s in other.seminars.all()]
    return pages


def manager_pages(world: World) -> list[str]:
    pk = world.programme.pk
    pages = [reverse("home"), reverse("programme_detail", args=[pk])]
    pages += [reverse(name, args=[pk]) for name in ("results", "plans")]
    pages += [
        reverse("plan_detail", args=[pk, plan.pk])
        for plan in TeamPlan.objects.filter(programme=world.programme)
    ]
    return pages


def show_on_wall(seminar: Seminar, wall: str, **targets) -> None:
    """What the facilitator's "present" buttons set: the wall's content, a new version."""
    Seminar.objects.filter(pk=seminar.pk).update(
        wall=wall, wall_version=seminar.wall_version + 1, **targets
    )
    seminar.refresh_from_db()


def test_no_stored_payload_runs_on_any_page(live_server, open_context, request):
    world = build()
    sweep = Sweep()

    desk = sweep.watch(open_context(**DESK), "facilitator")
    log_in(desk, "facilitator")
    for url in facilitator_pages(world):
        sweep.visit(desk, "facilitator", url)
    participant_import(desk, sweep, world.programme)
    desk.goto(reverse("participants", args=[world.programme.pk]))
    with desk.expect_navigation():  # links are shown once, on the page the POST answers
        desk.locator("button[name=send][value=print]").click()
    sweep.visit(desk, "facilitator")

    manager = sweep.watch(open_context(**DESK), "manager")
    assert ProgrammeManager.objects.filter(user__username="manager").exists()
    log_in(manager, "manager")
    for url in manager_pages(world):
        sweep.visit(manager, "manager", url)

    wall = sweep.watch(open_context(**DESK), "wall")
    for number in (1, 2, 3):
        sweep.visit(wall, "wall", world.displays[number])
    second = world.seminars[2]
    work = GroupWork.objects.filter(activity__seminar=world.seminars[1]).first()
    plans_row = PlanningRun.objects.get(activity__seminar=second, is_open=True).activity
    for wall_kind, targets in (
        (Wall.GROUPS, {"wall_group_work": work, "wall_group": None}),
        (Wall.GROUPS, {"wall_group_work": work, "wall_group": work.groups.first()}),
        (Wall.PLANS, {"wall_activity": plans_row}),
        (Wall.CHANGE, {}),
    ):
        show_on_wall(
            world.seminars[1] if wall_kind == Wall.GROUPS else second, wall_kind, **targets
        )
        number = 1 if wall_kind == Wall.GROUPS else 2
        sweep.visit(wall, "wall", world.displays[number])

    phone_pages(sweep, open_context, world)

    missing = [
        marker for marker in map(xss_corpus.marker, xss_corpus.PAYLOADS) if marker not in sweep.seen
    ]
    print(
        f"\nXSS corpus: {len(xss_corpus.PAYLOADS)} payloads in {world.values} stored texts; "
        f"{sweep.pages} pages opened; {sweep.combinations} (payload x page) combinations "
        f"checked; {len(sweep.problems)} executions or injections"
    )
    assert not sweep.problems, "\n".join(sweep.problems)
    assert not missing, f"payloads shown on no page: {missing}"


def participant_import(page: Page, sweep: Sweep, programme: Programme) -> None:
    """A staff CSV upload with payloads for names and the file's name: the checked preview,
    then a refused file whose problems quote what it held."""
    names = [xss_corpus.fill(200, n) for n in range(0, 40, 4)]
    tree = programme.unit_tree()
    unit = next(n for n in tree.walk() if not re.search(r"[\t\r\u2028]", n.name))
    header = ["name", "email", "unit"]
    good = [
        header,
        *([name, f"p{n}@example.org", tree.path(unit.id)] for n, name in enumerate(names)),
    ]
    bad = [header, [names[1], xss_corpus.HTML_PAYLOADS[3], names[2]]]
    for rows, status in ((good, 200), (bad, 422)):
        page.goto(reverse("participant_import", args=[programme.pk]))
        text = io.StringIO()
        csv.writer(text, delimiter=";", quoting=csv.QUOTE_ALL).writerows(rows)
        page.locator("input[type=file]").set_input_files(
            {
                "name": f"{xss_corpus.HTML_PAYLOADS[9]}.csv",
                "mimeType": "text/csv",
                "buffer": text.getvalue().encode(),
            }
        )
        with page.expect_navigation() as navigation:
            page.locator("#main form[enctype] button[type=submit]").click()
        assert navigation.value.status == status, page.locator("#main").inner_text()[:2000]
        sweep.visit(page, "facilitator")


def submit_first_form(page: Page, selector: str = "#main form") -> int:
    """Choose the first option of each radio group, if any, and send the form."""
    form = page.locator(selector).first
    for radio in form.locator("input[type=radio]").all():
        if not form.locator(f"input[name='{radio.get_attribute('name')}']:checked").count():
            radio.check()
    with page.expect_navigation() as navigation:
        form.locator("button[type=submit]").first.click()
    return navigation.value.status


def phone_pages(sweep: Sweep, open_context, world: World) -> None:
    """A phone in the rooms of seminars 1-3, on a personal plan and a group's logbook."""
    phone = sweep.watch(open_context(**PHONE), "phone")
    first, second, third = (world.seminars[n] for n in (1, 2, 3))
    phone.goto(reverse("join_code", args=[first.room_code]))
    sweep.visit(phone, "phone")  # the room: what is open now
    board = Board.objects.filter(activity__seminar=first, posts__isnull=False).distinct()[0]
    sweep.visit(phone, "phone", reverse("board_phone", args=[board.pk]))
    work = GroupWork.objects.filter(activity__seminar=first, is_open=True)[0]
    sweep.visit(phone, "phone", reverse("group_phone", args=[work.pk]))
    submit_first_form(phone)
    sweep.visit(phone, "phone")  # the group's notes, in text areas
    phone.locator("input[name=version]").evaluate("(input) => { input.value = '0'; }")
    assert submit_first_form(phone, ".notes-form") == 409
    sweep.visit(phone, "phone")  # a stale save: what the others saved, beside its own

    phone.goto(reverse("join_code", args=[second.room_code]))
    sweep.visit(phone, "phone")
    for board in Board.objects.filter(activity__seminar=second, posts__isnull=False).distinct():
        sweep.visit(phone, "phone", reverse("board_phone", args=[board.pk]))
    evaluation = Evaluation.objects.get(activity__seminar=second, is_open=True)
    sweep.visit(phone, "phone", reverse("evaluation_phone", args=[evaluation.pk]))
    run = PlanningRun.objects.get(activity__seminar=second, is_open=True)
    sweep.visit(phone, "phone", reverse("phone_plans", args=[run.pk]))

    survey = Round.objects.get(programme=world.programme, state="open")
    phone.goto(reverse("join_code", args=[third.room_code]))
    sweep.visit(phone, "phone")  # the first page: language, the promise, every unit's name
    submit_first_form(phone, "#main form:not(.language-choice)")
    assert f"/s/{survey.pk}/" in phone.url, phone.url
    # The questions: a pinned instrument's text, which no form can change once a round has
    # opened; each worker reads it once, before the payloads were written here.
    sweep.visit(phone, "phone", shows=False)

    sweep.visit(phone, "phone", world.documentation)
    sweep.visit(phone, "phone", world.logbook)
    sweep.visit(phone, "phone", reverse("plan_recover"), shows=False)
    phone.get_by_label("Your recovery code").fill(world.recovery_code)
    with phone.expect_navigation():
        phone.get_by_role("button", name="Open my plan").click()
    sweep.visit(phone, "phone")
    sweep.visit(phone, "phone", reverse("plan_edit"))  # its fields, in text areas
    link = Participant.objects.filter(programme=world.programme).first().issue_link_token()
    phone.goto(reverse("participant_link", args=[link]))
    sweep.visit(phone, "phone")
