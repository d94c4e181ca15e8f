"""The projector fills the wall: measured at 720p, 1080p and 4K, joining and with figures.

A room of 200 reads the room code and scans the QR code from the back, so the sizes are
checked as shares of the screen height, and nothing may scroll. Screenshots of every case go
to artifacts/projector/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from seminars.services import issue_display_token
from surveys import scoring
from surveys import services as survey_services
from surveys.models import Round
from tests.browser.support import Scanner, horizontal_overflow

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ARTIFACTS = Path(settings.BASE_DIR) / "artifacts" / "projector"
WALLS = [(1280, 720), (1920, 1080), (3840, 2160)]
POLL_MS = 2_000  # hx-trigger="every 2s"

# Answer sheets per element (1-5 on every item of the element): the room's figures come out
# different from each other (trust 70, fairness 50, collaboration 85, index 68).
SHEETS = [
    {"trust": 4, "justice": 3, "collaboration": 5},
    {"trust": 4, "justice": 3, "collaboration": 4},
    {"trust": 3, "justice": 2, "collaboration": 4},
    {"trust": 5, "justice": 4, "collaboration": 5},
    {"trust": 3, "justice": 3, "collaboration": 4},
]

MEASURE_JS = """
() => {
  const box = (selector) => {
    const element = document.querySelector(selector);
    if (!element) return null;
    const r = element.getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,
            width: r.width, height: r.height,
            font: parseFloat(getComputedStyle(element).fontSize)};
  };
  const root = document.documentElement;
  const outside = Array.from(document.body.querySelectorAll('*'))
    .filter((el) => el.getClientRects().length)
    .filter((el) => {
      const r = el.getBoundingClientRect();
      return r.bottom > innerHeight + 0.5 || r.right > innerWidth + 0.5 || r.top < -0.5
        || r.left < -0.5;
    })
    .map((el) => el.outerHTML.slice(0, 80));
  return {
    width: innerWidth, height: innerHeight,
    scrollWidth: root.scrollWidth, scrollHeight: root.scrollHeight,
    stage: document.querySelector('#live').className,
    qr: box('.qr-wrap svg.qr'), code: box('.room-code'), count: box('.display-count'),
    index: box('.figure-index strong'), trust: box('.figure-trust strong'),
    outside,
  };
}
"""


def answer_sheets(round, unit, sheets) -> None:
    """Submit answer sheets with one value per element, as phones in the room would."""
    items = survey_services.survey_items(round.programme)
    for sheet in sheets:
        values = {}
        for item in items:
            value = sheet[scoring.SUBDIMENSION_ELEMENT[item.subdimension]]
            values[item.pk] = 6 - value if item.reverse else value
        draft = survey_services.new_draft(round=round, language="en", unit=unit)
        survey_services.save_answers(draft=draft, answers=values)
        survey_services.submit(
            round_id=draft.round_id, draft_id=draft.pk, key=draft.idempotency_key, participant=None
        )


def measure(page: Page) -> dict:
    return page.evaluate(MEASURE_JS)


def assert_fits(sizes: dict) -> None:
    """The whole screen and not a pixel more: no scrollbar, nothing drawn off-screen."""
    assert sizes["scrollHeight"] <= sizes["height"], sizes
    assert sizes["scrollWidth"] <= sizes["width"], sizes
    assert sizes["outside"] == [], sizes["outside"]


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png")


def open_wall(open_context, token: str, width: int, height: int) -> Page:
    context = open_context(language="en", width=width, height=height)
    page = context.new_page()
    response = page.goto(f"/display/{token}/")
    assert response is not None and response.status == 200
    page.evaluate("document.fonts.ready")
    return page


def assert_joining(sizes: dict) -> None:
    height = sizes["height"]
    assert "stage-joining" in sizes["stage"] and "with-join" in sizes["stage"]
    qr = sizes["qr"]
    assert qr["height"] >= 0.40 * height, (qr, height)
    assert abs(qr["height"] - qr["width"]) < 1  # square, not squeezed
    code = sizes["code"]
    assert code["font"] >= 0.12 * height, (code, height)
    assert code["height"] >= 0.10 * height, (code, height)
    assert sizes["count"]["font"] >= 0.05 * height, sizes["count"]


def assert_results(sizes: dict) -> None:
    height = sizes["height"]
    assert "stage-results" in sizes["stage"] and "with-join" in sizes["stage"]
    assert sizes["index"]["font"] >= 0.20 * height, sizes["index"]
    assert sizes["trust"]["font"] >= 0.08 * height, sizes["trust"]
    assert sizes["count"]["font"] >= 0.04 * height, sizes["count"]
    # Latecomers still scan and type from the back.
    assert sizes["qr"]["height"] >= 0.25 * sizes["height"], sizes["qr"]
    assert sizes["code"]["font"] >= 0.06 * height, sizes["code"]


def report(name: str, sizes: dict) -> None:
    """One line per screen in the test output (pytest -s), as shares of the height."""
    height = sizes["height"]
    parts = [f"{name}:"]
    for key in ("qr", "code", "count", "index", "trust"):
        if box := sizes[key]:
            part = f"{key} box {box['height']:.0f}px ({box['height'] / height:.0%})"
            if key != "qr":
                part += f" font {box['font']:.0f}px ({box['font'] / height:.0%})"
            parts.append(part)
    print(" | ".join(parts))


@pytest.mark.parametrize(("width", "height"), WALLS, ids=[f"{w}x{h}" for w, h in WALLS])
def test_joining_fills_the_wall(
    live_server, open_context, cast, open_round, request, width, height
):
    token = issue_display_token(seminar=open_round.seminar)
    page = open_wall(open_context, token, width, height)
    expect(page.locator(".room-code")).to_have_text(survey_services.room_code(open_round))
    sizes = measure(page)
    report(f"joining {width}x{height}", sizes)
    assert_fits(sizes)
    assert_joining(sizes)
    screenshot(page, f"joining-{width}x{height}")
    scanner = Scanner()
    scanner.scan(page, f"projector wall, joining, {width}x{height}")
    scanner.report(request)


@pytest.mark.parametrize(("width", "height"), WALLS, ids=[f"{w}x{h}" for w, h in WALLS])
def test_figures_fill_the_wall(live_server, open_context, cast, open_round, request, width, height):
    answer_sheets(open_round, cast.units["South"], SHEETS)
    token = issue_display_token(seminar=open_round.seminar)
    page = open_wall(open_context, token, width, height)
    expect(page.locator(".display-figures meter")).to_have_count(4)
    expect(page.locator(".figure-index strong")).to_have_text("68")
    sizes = measure(page)
    report(f"figures {width}x{height}", sizes)
    assert_fits(sizes)
    assert_results(sizes)
    screenshot(page, f"figures-{width}x{height}")
    scanner = Scanner()
    scanner.scan(page, f"projector wall, figures, {width}x{height}")
    scanner.report(request)


def test_the_poll_swaps_in_the_same_layout(live_server, open_context, cast, open_round):
    """The figures arriving by the 2 s poll look exactly as after a reload."""
    token = issue_display_token(seminar=open_round.seminar)
    page = open_wall(open_context, token, 1920, 1080)
    assert_joining(measure(page))
    answer_sheets(open_round, cast.units["South"], SHEETS)
    expect(page.locator(".display-figures meter")).to_have_count(4, timeout=POLL_MS * 3)
    polled = measure(page)
    assert_fits(polled)
    assert_results(polled)
    page.reload()
    expect(page.locator(".display-figures meter")).to_have_count(4)
    reloaded = measure(page)
    for key in ("stage", "qr", "code", "count", "index", "trust"):
        assert polled[key] == reloaded[key], key


RECORD_SWAPS_JS = """
() => {
  window.swapped = [];
  document.body.addEventListener('htmx:afterSwap', () => {
    const live = document.getElementById('live');
    window.swapped.push({stage: live.className, figures: !!live.querySelector('meter')});
  });
}
"""


def test_the_new_stage_shows_from_the_first_frame(live_server, open_context, cast, open_round):
    """htmx would keep the old element's classes on the new one until it settles: the
    figures would be laid out as the joining stage for a frame, and overflow the wall."""
    token = issue_display_token(seminar=open_round.seminar)
    page = open_wall(open_context, token, 1920, 1080)
    page.evaluate(RECORD_SWAPS_JS)
    answer_sheets(open_round, cast.units["South"], SHEETS)
    expect(page.locator(".display-figures meter")).to_have_count(4, timeout=POLL_MS * 3)
    swapped = page.evaluate("window.swapped")
    assert swapped and swapped[-1]["figures"], swapped
    for swap in swapped:
        assert ("stage-results" in swap["stage"]) == swap["figures"], swapped


def test_closed_rounds_and_an_empty_room_fit_too(live_server, open_context, cast, open_round):
    answer_sheets(open_round, cast.units["South"], SHEETS)
    survey_services.close_round(round=open_round)
    token = issue_display_token(seminar=open_round.seminar)
    for width, height in ((1280, 720), (1920, 1080)):
        page = open_wall(open_context, token, width, height)
        expect(page.locator(".room-code")).to_have_count(0)
        sizes = measure(page)
        assert_fits(sizes)
        assert sizes["index"]["font"] >= 0.20 * height, sizes["index"]
        screenshot(page, f"closed-{width}x{height}")
    # A closed round of a second seminar, answered by fewer than k: the count alone.
    small = cast.programme.seminars.get(number=2)
    round = Round.objects.create(programme=cast.programme, seminar=small, title="Follow-up")
    survey_services.open_round(round=round)
    answer_sheets(round, cast.units["South"], SHEETS[:2])
    survey_services.close_round(round=round)
    page = open_wall(open_context, issue_display_token(seminar=small), 1920, 1080)
    expect(page.locator(".display-count")).to_contain_text("2 of")
    expect(page.locator(".room-code")).to_have_count(0)
    expect(page.locator("meter")).to_have_count(0)
    assert_fits(measure(page))
    screenshot(page, "closed-too-few-1920x1080")
    # A seminar with no round: the wall says so.
    empty = issue_display_token(seminar=cast.programme.seminars.get(number=3))
    page = open_wall(open_context, empty, 1920, 1080)
    expect(page.locator(".display-idle")).to_have_count(1)
    assert_fits(measure(page))
    screenshot(page, "idle-1920x1080")


def test_a_phone_gets_a_page_that_reflows(live_server, open_context, cast, open_round):
    token = issue_display_token(seminar=open_round.seminar)
    page = open_wall(open_context, token, 360, 640)
    assert horizontal_overflow(page) is None
    qr = measure(page)["qr"]
    assert 150 <= qr["width"] <= 360, qr
    screenshot(page, "joining-phone-360x640")
    answer_sheets(open_round, cast.units["South"], SHEETS)
    page.reload()
    expect(page.locator(".display-figures meter")).to_have_count(4)
    assert horizontal_overflow(page) is None
    page.screenshot(path=ARTIFACTS / "figures-phone-360x640.png", full_page=True)
    # The address on the wall, typed as shown (no scheme, no slash), leads to the join page.
    address = page.locator(".join-address strong").inner_text()
    response = page.goto(f"http://{address}")
    assert response is not None and response.status == 200
    assert page.url == f"{live_server.url}/j/"
