"""axe scans, reflow at 320 px and target sizes, in every language the app speaks.

Each case builds one programme and walks every page in one browser context, first as a
participant (anonymous), then signed in as the facilitator.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.support import Setup, build_programme, log_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LANGUAGES = ["da", "sv", "en"]
VIEWPORTS = {"phone": (360, 640), "desktop": (1280, 800)}
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}
PARTICIPANT_PAGES = {"participant home", "invalid link"}
MIN_TARGET_PX = 24  # WCAG 2.2 SC 2.5.8 Target Size (Minimum)

axe = Axe()


def tour(page: Page, setup: Setup) -> Iterator[str]:
    """Open every page in turn and yield its name while it is on screen."""
    programme = f"/programmes/{setup.programme.pk}"
    anonymous = [
        ("login", "/accounts/login/", 200),
        ("404", "/no-such-page/", 404),
        ("invalid link", "/p/nonsense/", 404),
        ("participant home", f"/p/{setup.participant_token}/", 200),
    ]
    facilitator = [
        ("home", "/", 200),
        ("programme overview", f"{programme}/", 200),
        ("units", f"{programme}/units/", 200),
        ("participants", f"{programme}/participants/", 200),
        ("participant import", f"{programme}/participants/import/", 200),
        ("managers", f"{programme}/managers/", 200),
        (
            "seminar run-sheet",
            f"{programme}/seminars/{setup.programme.seminars.get(number=1).pk}/",
            200,
        ),
        (
            "seminar removal",
            f"{programme}/seminars/{setup.programme.seminars.get(number=1).pk}/remove/",
            200,
        ),
    ]
    for name, path, status in anonymous:
        response = page.goto(path)
        assert response is not None and response.status == status, (name, response)
        if name in PARTICIPANT_PAGES:
            assert page.url.endswith("/p/"), "the token must leave the address bar"
        if name == "participant home":
            expect(page.get_by_role("heading", level=1)).to_have_text(setup.programme.title)
        yield name
    log_in(page, setup.facilitator.username)
    for name, path, status in facilitator:
        response = page.goto(path)
        assert response is not None and response.status == status, (name, response)
        yield name


def html_lang(page: Page) -> str | None:
    return page.locator("html").get_attribute("lang")


@pytest.mark.parametrize("viewport", list(VIEWPORTS), ids=list(VIEWPORTS))
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_axe_violations(live_server, open_context, request, language, viewport):
    setup = build_programme(language)
    width, height = VIEWPORTS[viewport]
    page = open_context(language=language, width=width, height=height).new_page()

    scans, problems = 0, []
    for name in tour(page, setup):
        assert html_lang(page) == language, f"{name}: <html lang> is not {language!r}"
        results = axe.run(page, options=AXE_OPTIONS)
        scans += 1
        if results.violations_count:
            problems.append(f"--- {name} ({page.url})\n{results.generate_report()}")

    request.node.user_properties.append(("axe_scans", scans))
    print(f"axe: {scans} page scans in {language} at {width}x{height}")
    assert scans == 12
    assert not problems, "\n".join(problems)


def test_no_axe_violations_in_htmx_states(live_server, open_context, request):
    """The units page with an inline edit form open and with an error swapped in."""
    setup = build_programme("en")
    page = open_context(language="en", width=360, height=640).new_page()
    log_in(page, setup.facilitator.username)
    page.goto(f"/programmes/{setup.programme.pk}/units/")

    problems, scans = [], 0

    def scan(state: str) -> None:
        nonlocal scans
        results = axe.run(page, options=AXE_OPTIONS)
        scans += 1
        if results.violations_count:
            problems.append(f"--- units, {state}\n{results.generate_report()}")

    page.locator("#unit-add").get_by_role("button", name="Add unit").click()
    expect(page.locator("#unit-add .errorlist")).to_be_visible()
    scan("error in the add form")

    page.get_by_role("link", name="Rename or move Dagvagt", exact=True).click()
    expect(page.locator("form.unit-edit-form")).to_be_visible()
    scan("inline edit form open")

    request.node.user_properties.append(("axe_scans", scans))
    print(f"axe: {scans} page scans of htmx states")
    assert not problems, "\n".join(problems)

    # The scanner itself works: a planted image without a text alternative is caught.
    page.evaluate("document.querySelector('main').append(document.createElement('img'))")
    planted = axe.run(page, options=AXE_OPTIONS)
    assert [v["id"] for v in planted.response["violations"]] == ["image-alt"]


DUPLICATE_IDS_JS = """
() => {
  const ids = Array.from(document.querySelectorAll('[id]'), (el) => el.id);
  return [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
}
"""


def test_inline_unit_edit_keeps_ids_unique(live_server, open_context):
    setup = build_programme("en")
    page = open_context(language="en").new_page()
    log_in(page, setup.facilitator.username)
    page.goto(f"/programmes/{setup.programme.pk}/units/")
    assert page.evaluate(DUPLICATE_IDS_JS) == []
    page.get_by_role("link", name="Rename or move Dagvagt", exact=True).click()
    expect(page.locator("form.unit-edit-form")).to_be_visible()
    assert page.evaluate(DUPLICATE_IDS_JS) == []


SMALL_TARGETS_JS = """
(min) => Array.from(document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]'))
  .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .map((el) => {
    const box = el.getBoundingClientRect();
    return {html: el.outerHTML.slice(0, 160), width: box.width, height: box.height};
  })
  .filter((target) => target.width < min || target.height < min)
"""


@pytest.mark.parametrize("language", LANGUAGES)
def test_reflow_at_320_and_participant_target_sizes(live_server, open_context, language):
    setup = build_programme(language)
    page = open_context(language=language, width=320, height=640).new_page()

    overflowing, small_targets, seen = [], [], 0
    for name in tour(page, setup):
        seen += 1
        assert html_lang(page) == language, f"{name}: <html lang> is not {language!r}"
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if widths[0] > widths[1]:
            overflowing.append(f"{name}: scrollWidth {widths[0]} > clientWidth {widths[1]}")
        if name in PARTICIPANT_PAGES:
            for target in page.evaluate(SMALL_TARGETS_JS, MIN_TARGET_PX):
                small_targets.append(f"{name}: {target}")
    assert seen == 12
    assert not overflowing, "\n".join(overflowing)
    assert not small_targets, "\n".join(small_targets)

    # The language switcher works on participant pages, without an account, and sticks.
    for path, status in (("/p/", 200), ("/no-such-page/", 404)):
        page.goto(path)
        other, label = ("sv", "Svenska") if html_lang(page) != "sv" else ("da", "Dansk")
        with page.expect_response(lambda r: r.url == f"{live_server.url}{path}") as landed:
            page.get_by_role("button", name=label, exact=True).click()
        assert landed.value.status == status
        assert html_lang(page) == other
        expect(page.get_by_role("button", name=label, exact=True)).to_have_attribute(
            "aria-current", "true"
        )
