"""The warning before an idle staff session ends (WCAG 2.2.1 Timing Adjustable), in a browser.

The idle time is cut to seconds for the test (STAFF_IDLE_SECONDS; the warning opens at half
of it at most, as in production, where it is 5 of 30 minutes). A facilitator who answers
"Stay logged in" keeps the session and the page; one who does not is told, with the page
left as it was. The open dialog passes axe. In Danish here; the dialog's Swedish and English
texts are checked in tests/test_staff_sessions.py. Screenshots in artifacts/screenshots/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from programmes.middleware import StaffSessionMiddleware
from tests.browser.support import Scanner, build_programme, log_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
TEXTS = {
    "en": ("Do you want to stay logged in?", "Stay logged in", "You have been logged out"),
    "da": ("Vil du forblive logget ind?", "Forbliv logget ind", "Du er blevet logget ud"),
    "sv": ("Vill du fortsätta vara inloggad?", "Förbli inloggad", "Du har loggats ut"),
}


def idle_seconds(settings, idle: int) -> None:
    settings.STAFF_IDLE_SECONDS = idle
    settings.STAFF_IDLE_WARNING_SECONDS = idle // 2
    # The server notes activity at most once a WRITE_EVERY; here every request counts.
    StaffSessionMiddleware.WRITE_EVERY = 0


@pytest.fixture
def quick_clock(settings):
    write_every = StaffSessionMiddleware.WRITE_EVERY
    yield lambda idle: idle_seconds(settings, idle)
    StaffSessionMiddleware.WRITE_EVERY = write_every


@pytest.mark.parametrize("language", ["da"])  # the texts in sv and en: test_staff_sessions.py
def test_the_warning_keeps_the_session_or_says_it_ended(
    live_server, open_context, quick_clock, language, request
):
    setup = build_programme(language)
    quick_clock(8)  # the warning opens after about 4 seconds
    page = open_context(language=language).new_page()
    log_in(page, setup.facilitator.username)
    page.goto(f"/programmes/{setup.programme.pk}/")
    title, stay, ended = TEXTS[language]
    dialog = page.locator("#session-timeout")
    expect(dialog).to_be_visible(timeout=15_000)
    expect(dialog.get_by_role("heading", name=title)).to_be_visible()
    expect(dialog.get_by_role("button", name=stay)).to_be_focused()  # the dialog takes focus
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"session-timeout-{language}.png"))
    scanner = Scanner()
    scanner.scan(page, f"session warning ({language})")
    dialog.get_by_role("button", name=stay).click()
    expect(dialog).to_be_hidden()
    assert page.evaluate("() => fetch('/accounts/session/').then((r) => r.json())")["left"] >= 6
    # No answer this time: the time runs out, the page stays, and the dialog says so.
    expect(dialog.get_by_role("heading", name=ended)).to_be_visible(timeout=20_000)
    assert page.url.endswith(f"/programmes/{setup.programme.pk}/")
    page.screenshot(path=str(SHOTS / f"session-ended-{language}.png"))
    scanner.scan(page, f"session ended ({language})")
    dialog.get_by_role("button", name={"en": "Close", "da": "Luk", "sv": "Stäng"}[language]).click()
    page.wait_for_timeout(1500)  # the server ends it once the idle time is past
    page.reload()
    assert "/accounts/login/" in page.url  # the server ended it too
    scanner.report(request)


def test_work_in_another_tab_keeps_the_warning_away(live_server, open_context, quick_clock):
    setup = build_programme()
    quick_clock(8)
    context = open_context()
    idle_tab = context.new_page()
    log_in(idle_tab, setup.facilitator.username)
    idle_tab.goto(f"/programmes/{setup.programme.pk}/")
    busy_tab = context.new_page()
    for _ in range(6):  # a request every 1.5 s in the other tab, for 9 s
        busy_tab.goto("/")
        busy_tab.wait_for_timeout(1500)
    expect(idle_tab.locator("#session-timeout")).to_be_hidden()
