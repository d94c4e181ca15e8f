"""The projector updates itself; the results dashboard draws, filters with htmx and goes Back.

Both pages run scripts (htmx, plotly.js): each test also listens for console errors, page
errors and Content Security Policy violations.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Response, expect

from programmes.models import Unit
from seminars.services import issue_display_token
from surveys import services
from surveys.live import live_state
from surveys.models import Round
from tests.browser.support import Scanner, horizontal_overflow, html_lang, log_in
from tests.factories import answer_round, closed_round

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

MARKER = "window.__sameDocument"
POLL_MS = 2_000  # hx-trigger="every 2s" on the projector
CSP_LISTENER = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__csp.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


class ScriptProblems:
    """Console errors, uncaught page errors and CSP violations of every page of a context."""

    def __init__(self, context: BrowserContext) -> None:
        self.messages: list[str] = []
        context.add_init_script(CSP_LISTENER)
        context.on("console", self.console)
        context.on("weberror", lambda error: self.messages.append(f"pageerror: {error.error}"))

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.messages.append(f"console: {message.text}")

    def check(self, page: Page) -> None:
        violations = page.evaluate("window.__csp")
        assert violations == [], f"CSP violations: {violations}"
        assert self.messages == [], "\n".join(self.messages)


def wait_until(page: Page, condition, timeout_ms: int, what: str) -> None:
    """Let the page run (and its events arrive) until the condition holds."""
    for _ in range(timeout_ms // 100):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"waited {timeout_ms} ms for {what}")


def mark_document(page: Page) -> None:
    page.evaluate(f"{MARKER} = 'kept'")


def assert_same_document(page: Page) -> None:
    assert page.evaluate(MARKER) == "kept", "the page was reloaded"


# --- The projector ------------------------------------------------------------------------


def test_projector_updates_itself(live_server, open_context, cast, open_round, request):
    token = issue_display_token(seminar=open_round.seminar)
    context = open_context(language="en", width=1280, height=800)
    problems = ScriptProblems(context)
    page = context.new_page()
    polls: list[Response] = []
    page.on("response", lambda r: polls.append(r) if "/live/" in r.url else None)

    response = page.goto(f"/display/{token}/")
    assert response is not None and response.status == 200
    assert response.header_value("referrer-policy") == "no-referrer"
    assert html_lang(page) == "en"
    expect(page.locator(".room-code")).to_have_text(services.room_code(open_round))
    expect(page.locator(".display-count")).to_contain_text("0 of 6")
    expect(page.locator("meter")).to_have_count(0)
    mark_document(page)

    scanner = Scanner()
    scanner.scan(page, "projector, empty, 1280x800")
    page.set_viewport_size({"width": 1920, "height": 1080})
    scanner.scan(page, "projector, empty, 1920x1080")

    # Polls that would change nothing are answered 204 and swap nothing.
    wait_until(page, lambda: 204 in [r.status for r in polls], POLL_MS * 3, "a 204 poll")
    assert {r.status for r in polls} == {204}

    k = cast.programme.min_group_size
    answer_round(open_round, cast.units["South"], 4, count=k)
    wait = POLL_MS * 3
    expect(page.locator(".display-count")).to_contain_text(f"{k} of 6", timeout=wait)
    state = live_state(Round.objects.get(pk=open_round.pk))
    assert state.shown_n == k and state.figures
    meters = page.locator(".display-figures meter")
    expect(meters).to_have_count(len(state.figures))
    shown = [meters.nth(i).get_attribute("value") for i in range(len(state.figures))]
    assert shown == [f"{figure.mean:.0f}" for figure in state.figures]
    assert_same_document(page)
    assert [r.status for r in polls].count(200) == 1
    # After the change the poll asks with the new version, and hears 204 again.
    changed_at = len(polls)
    wait_until(page, lambda: 204 in [r.status for r in polls[changed_at:]], wait, "a 204 poll")
    assert {r.status for r in polls[changed_at:]} == {204}
    assert_same_document(page)
    scanner.scan(page, "projector, figures, 1920x1080")
    page.set_viewport_size({"width": 1280, "height": 800})
    scanner.scan(page, "projector, figures, 1280x800")
    page.set_viewport_size({"width": 360, "height": 640})  # a facilitator's phone
    scanner.scan(page, "projector, figures, 360x640")
    assert horizontal_overflow(page) is None
    problems.check(page)

    # The projector speaks the programme's language.
    programme = cast.programme
    for language in ("da", "sv"):
        programme.language = language
        programme.save(update_fields=["language"])
        page.reload()
        assert html_lang(page) == language
        expect(page.locator(".display-figures meter")).to_have_count(len(state.figures))
        for width, height in ((1280, 800), (1920, 1080)):
            page.set_viewport_size({"width": width, "height": height})
            scanner.scan(page, f"projector, figures, {language}, {width}x{height}")
        problems.check(page)

    print(f"axe: {scanner.scans} projector scans")
    scanner.report(request)


# --- The results dashboard ----------------------------------------------------------------


@pytest.fixture
def two_rounds(cast):
    u = cast.units
    before = closed_round(
        cast.programme, "Before", {u["North Day"]: (3, 6), u["South"]: (2, 7), u["North"]: (3, 2)}
    )
    after = closed_round(
        cast.programme, "After", {u["North Day"]: (5, 6), u["South"]: (4, 7), u["North"]: (3, 2)}
    )
    return before, after


def results_path(cast) -> str:
    return f"/programmes/{cast.programme.pk}/results/"


def assert_charts_drawn(page: Page, *, hidden: bool = False) -> None:
    """The bars and the trend are drawn; for a hidden group, sentences take their place."""
    charts = page.locator("#results [data-chart]")
    if hidden:
        expect(charts).to_have_count(0)
        expect(page.locator("#results .hidden-note")).to_have_count(2)
        return
    expect(charts).to_have_count(2)
    for index in range(2):
        expect(charts.nth(index).locator("svg.main-svg").first).to_be_attached()


def is_results_swap(response: Response) -> bool:
    return "/results/" in response.url and response.request.headers.get("hx-request") == "true"


@pytest.mark.parametrize("language", ["da", "en"])
def test_results_dashboard(live_server, open_context, cast, two_rounds, request, language):
    context = open_context(language=language, width=1280, height=800)
    problems = ScriptProblems(context)
    page = context.new_page()
    log_in(page, cast.facilitator.username)
    response = page.goto(results_path(cast))
    assert response is not None and response.status == 200
    assert html_lang(page) == language
    assert_charts_drawn(page)
    mark_document(page)

    scanner = Scanner()
    scanner.scan(page, "results, 1280x800")
    page.set_viewport_size({"width": 360, "height": 640})
    scanner.scan(page, "results, 360x640")
    page.set_viewport_size({"width": 1280, "height": 800})

    heading = page.locator("#results h2").first
    group = page.locator("form.results-filter select[name=unit]")
    whole = heading.inner_text()
    expect(group).to_have_value("")  # the whole organisation
    south, day = cast.units["South"], cast.units["North Day"]

    def choose(unit: Unit) -> None:
        group.focus()
        with page.expect_response(is_results_swap) as swapped:
            group.select_option(str(unit.pk))
        assert swapped.value.status == 200
        # The select was swapped too; the keyboard stays on it.
        expect(page.locator("#results-unit")).to_be_focused()
        expect(page).to_have_url(re.compile(rf"[?&]unit={unit.pk}(&|$)"))
        expect(heading).to_contain_text(unit.name)
        expect(group).to_have_value(str(unit.pk))
        # North Day (6) sits in North (8) beside North's own 2: it is hidden in both rounds.
        assert_charts_drawn(page, hidden=unit == day)
        assert_same_document(page)

    def shows(unit: Unit | None) -> None:
        if unit is None:
            expect(page).to_have_url(re.compile(r"/results/$"))
            expect(heading).to_have_text(whole)
        else:
            expect(page).to_have_url(re.compile(rf"[?&]unit={unit.pk}(&|$)"))
            expect(heading).to_contain_text(unit.name)
        # The filter shows the selection the results are for.
        expect(group).to_have_value(str(unit.pk) if unit else "")
        expect(page.locator("form[action$='/logout/']")).to_have_count(1)  # the whole page
        assert_charts_drawn(page)

    choose(south)
    scanner.scan(page, "results, one group, 1280x800")
    choose(day)
    page.go_back()
    shows(south)
    page.go_back()
    shows(None)
    page.go_forward()
    shows(south)
    # Without htmx's history snapshot (a full sessionStorage, say) Back asks the server.
    page.evaluate("sessionStorage.removeItem('htmx-history-cache')")
    with page.expect_response(lambda r: "/results/" in r.url) as restored:
        page.go_back()
    assert restored.value.request.headers.get("hx-history-restore-request") == "true"
    shows(None)
    problems.check(page)

    print(f"axe: {scanner.scans} results scans in {language}")
    scanner.report(request)


def test_results_for_a_manager_of_one_subtree(live_server, open_context, cast, two_rounds):
    context = open_context(language="en", width=360, height=640)
    problems = ScriptProblems(context)
    page = context.new_page()
    log_in(page, cast.limited_manager.username)
    south = cast.units["South"]
    for path in (results_path(cast), f"{results_path(cast)}?unit={south.pk}"):
        response = page.goto(path)
        assert response is not None and response.status == 200
        assert_charts_drawn(page)
        options = page.locator("form.results-filter select[name=unit] option")
        values = [options.nth(i).get_attribute("value") for i in range(options.count())]
        assert values == [str(cast.units["North"].pk), str(cast.units["North Day"].pk)]
        expect(page.locator("#results h2").first).to_contain_text("North")
        assert "South" not in page.locator("body").inner_text()
        assert "South" not in page.content()
    problems.check(page)
