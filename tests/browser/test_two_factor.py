"""A facilitator sets up two-factor authentication on a phone and at a desk, as a person does:
log in, land on the set-up page, confirm the password, scan (here: read) the key, type the
app's code, keep the recovery codes. No page breaks the Content Security Policy, and axe
finds nothing. Screenshots land in artifacts/two_factor/ (git-ignored) for a person to see.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from playwright.sync_api import Page, expect

from tests.browser.support import AXE_OPTIONS, build_programme
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

ARTIFACTS = Path(settings.BASE_DIR) / "artifacts" / "two_factor"
VIEWPORTS = {"phone": (360, 640), "desktop": (1280, 800)}
axe = Axe()


def watch_console(page: Page) -> list[str]:
    """Console errors, among them every CSP refusal ("Refused to load/execute ...")."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def look(page: Page, name: str, label: str, problems: list[str]) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}-{label}.png", full_page=True)
    results = axe.run(page, options=AXE_OPTIONS)
    if results.violations_count:
        problems.append(f"--- {name} ({page.url})\n{results.generate_report()}")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_setting_up_an_authenticator_app(live_server, open_context, settings, viewport):
    settings.MFA_REQUIRED = True
    setup = build_programme("en")
    width, height = VIEWPORTS[viewport]
    page = open_context(width=width, height=height).new_page()
    errors = watch_console(page)
    problems: list[str] = []

    page.goto("/accounts/login/")
    expect(page.locator("#passkey_login")).to_be_visible()
    look(page, "login", viewport, problems)
    page.fill("#main input[name=login]", setup.facilitator.username)
    page.fill("#main input[name=password]", PASSWORD)
    page.click("#main form button[type=submit] >> nth=0")

    # Sent to the set-up page, whatever was asked for.
    page.wait_for_url("**/accounts/2fa/")
    page.goto(f"/programmes/{setup.programme.pk}/")
    page.wait_for_url("**/accounts/2fa/")
    look(page, "set-up", viewport, problems)
    page.get_by_role("button", name="Set up an authenticator app").click()

    # Changing one's factors asks for the password again.
    page.wait_for_url("**/accounts/reauthenticate/**")
    look(page, "confirm-password", viewport, problems)
    page.fill("#main input[name=password]", PASSWORD)
    page.click("#main form button[type=submit] >> nth=0")

    page.wait_for_url("**/accounts/2fa/totp/activate/")
    expect(page.locator("svg.totp-qr")).to_be_visible()
    look(page, "authenticator-app", viewport, problems)
    page.get_by_text("Cannot scan?").click()
    secret = page.locator("#authenticator_secret").inner_text().strip()
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    page.fill("#main input[name=code]", code)
    page.click("#main form button[type=submit] >> nth=0")

    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    codes = page.locator("#recovery_codes").input_value().split()
    assert len(codes) == 10
    look(page, "recovery-codes", viewport, problems)

    page.goto("/accounts/2fa/webauthn/add/")
    expect(page.locator("#mfa_webauthn_add")).to_be_visible()
    look(page, "add-passkey", viewport, problems)

    page.goto(f"/programmes/{setup.programme.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(setup.programme.title)

    assert errors == []
    assert not problems, "\n".join(problems)


def test_the_second_step_of_a_login(live_server, open_context, settings):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    settings.MFA_REQUIRED = True
    setup = build_programme("da")
    secret = generate_totp_secret()
    TOTP.activate(setup.facilitator, secret)
    RecoveryCodes.activate(setup.facilitator)
    page = open_context(language="da", width=360, height=640).new_page()
    errors = watch_console(page)
    problems: list[str] = []
    page.goto("/accounts/login/")
    page.fill("#main input[name=login]", setup.facilitator.username)
    page.fill("#main input[name=password]", PASSWORD)
    page.click("#main form button[type=submit] >> nth=0")
    page.wait_for_url("**/accounts/2fa/authenticate/")
    assert page.locator("html").get_attribute("lang") == "da"
    page.fill("#main input[name=code]", "000000")
    page.click("#main form button[type=submit] >> nth=0")
    expect(page.locator("#main .errorlist")).to_be_visible()
    look(page, "second-step-wrong-code", "phone-da", problems)
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    page.fill("#main input[name=code]", code)
    page.click("#main form button[type=submit] >> nth=0")
    page.wait_for_url(lambda url: "/accounts/" not in url)
    expect(page.locator("form[action$='/logout/']")).to_have_count(1)
    assert errors == []
    assert not problems, "\n".join(problems)
