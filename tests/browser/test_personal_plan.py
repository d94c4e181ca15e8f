"""A personal plan on phones: written, recovered on a second phone, shared for feedback.

1. A phone opens its personal link, goes to /plan/, reads the warning and writes its plan;
   the recovery code is shown once, as grouped characters and a QR code.
2. It changes the plan.
3. A second phone (no link, no room) opens the plan with the code typed in lower case.
4. The owner shares the plan; a colleague's phone, without JavaScript, opens the share's
   address, reads the plan and gives feedback; the code then works no more.
5. The owner reads the feedback; the colleague's /plan/ shows nothing of it.
6. The owner writes a reflection; then a pg_dump of the database holds none of the texts,
   neither the plan key nor the recovery code.

Every page is checked at 360 px: no sideways scrolling, no tap target under 24 px, and axe.
Screenshots go to artifacts/plan/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from actionplans import crypto
from actionplans.models import Feedback, PersonalPlan
from tests.actionplans.test_personal_dump import dump_database
from tests.browser.support import Scanner, build_programme, horizontal_overflow, small_targets

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
]

ARTIFACTS = settings.BASE_DIR / "artifacts" / "plan"
PHONE = {"width": 360, "height": 640}
GOAL = "Say good morning to each colleague on my shift"
NEW_GOAL = "Say good morning and ask one question"
WORKS = "Small and concrete: easy to start tomorrow"
SUGGESTION = "Tell Anna, so she can remind you"
LEARNED = "Mornings feel lighter when someone asks first"


def check_phone_page(page: Page, scanner: Scanner, name: str) -> None:
    assert horizontal_overflow(page) is None, f"{name}: the phone scrolls sideways"
    assert small_targets(page) == [], f"{name}: tap targets under 24 px"
    scanner.scan(page, name)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name.replace(' ', '-')}.png", full_page=True)


@pytest.mark.django_db(transaction=True)
def test_a_plan_written_recovered_and_shared_on_phones(open_context, live_server, request):
    setup = build_programme(language="en")
    scanner = Scanner()

    owner = open_context(**PHONE).new_page()
    owner.goto(f"/p/{setup.participant_token}/")
    owner.goto("/plan/")
    check_phone_page(owner, scanner, "plan landing")
    owner.get_by_role("button", name="Start my plan").click()
    expect(owner.get_by_text("Nobody can open it for you")).to_be_visible()
    check_phone_page(owner, scanner, "plan start")
    owner.get_by_label("My goal").fill(GOAL)
    owner.get_by_label("My first steps").fill("Start on Monday")
    owner.get_by_role("button", name="Save my plan and show my code").click()
    expect(owner.get_by_role("heading", level=1)).to_contain_text("Write down your code")
    groups = owner.locator(".recovery-code code").all_inner_texts()
    assert len(groups) == 8 and all(re.fullmatch(r"[A-Z2-7]{4}", g) for g in groups)
    expect(owner.locator(".qr-wrap svg")).to_be_visible()
    check_phone_page(owner, scanner, "recovery code")
    cookie = next(c for c in owner.context.cookies() if c["name"] == "plan_key")
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/plan/")

    owner.get_by_role("button", name="I have written down the code").click()
    expect(owner.get_by_text(GOAL)).to_be_visible()
    check_phone_page(owner, scanner, "own plan")
    owner.get_by_role("button", name="Change my plan").click()
    owner.get_by_label("My goal").fill(NEW_GOAL)
    check_phone_page(owner, scanner, "plan edit")
    owner.get_by_role("button", name="Save my plan").click()
    expect(owner.get_by_text(NEW_GOAL)).to_be_visible()

    second = open_context(**PHONE).new_page()
    second.goto("/plan/")
    expect(second.get_by_text("open your personal link again")).to_be_visible()
    second.get_by_role("button", name="Open my plan with my code").click()
    expect(second.get_by_label("Your recovery code")).to_be_visible()  # the new page is there
    check_phone_page(second, scanner, "recover")
    second.get_by_label("Your recovery code").fill(" ".join(groups).lower())
    second.get_by_role("button", name="Open my plan").click()
    expect(second.get_by_text(NEW_GOAL)).to_be_visible()

    owner.get_by_role("button", name="Share with a colleague for feedback").click()
    owner.get_by_role("button", name="Show a QR code for my colleague").click()
    expect(owner.locator(".qr-wrap svg")).to_be_visible()
    check_phone_page(owner, scanner, "share QR code")
    share_url = re.search(r"https?://\S+/plan/s/[A-Za-z0-9_-]{27}/", owner.content()).group(0)

    colleague = open_context(**PHONE, javascript=False).new_page()
    response = colleague.goto(share_url)
    assert response.status == 200
    expect(colleague.get_by_text(NEW_GOAL)).to_be_visible()
    colleague.get_by_label("What works in this plan").fill(WORKS)
    colleague.get_by_label("One suggestion").fill(SUGGESTION)
    colleague.get_by_role("button", name="Send my feedback").click()
    expect(colleague.get_by_role("heading", name="Thank you for your feedback")).to_be_visible()
    assert colleague.goto(share_url).status == 410

    owner.goto("/plan/")
    expect(owner.get_by_text(WORKS)).to_be_visible()
    expect(owner.get_by_text(SUGGESTION)).to_be_visible()
    check_phone_page(owner, scanner, "own plan with feedback")
    colleague.goto("/plan/")
    expect(colleague.get_by_text(WORKS)).to_have_count(0)
    assert PersonalPlan.objects.count() == 1 and Feedback.objects.count() == 1

    owner.get_by_role("button", name="Write a reflection").click()
    owner.get_by_role("radio", name="4").check()
    owner.get_by_label("What I learned").fill(LEARNED)
    check_phone_page(owner, scanner, "reflection")
    owner.get_by_role("button", name="Save my reflection").click()
    expect(owner.get_by_text(LEARNED)).to_be_visible()

    dump = dump_database()
    code = "-".join(groups)
    key = crypto.parse_key(code)
    for secret in (GOAL, NEW_GOAL, WORKS, SUGGESTION, LEARNED, code, "".join(groups), key.hex()):
        assert secret.encode() not in dump, secret
        assert secret.encode().hex().encode() not in dump, secret
    assert key not in dump
    scanner.report(request)
