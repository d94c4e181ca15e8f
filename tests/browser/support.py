"""Data and page helpers shared by the browser tests."""

from __future__ import annotations

from dataclasses import dataclass

from axe_playwright_python.base import AxeResults
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from programmes.models import Participant, Programme, User
from programmes.services import create_programme
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    ParticipantFactory,
    ProgrammeManagerFactory,
    UnitFactory,
    UserFactory,
    WorkspaceFactory,
)


@dataclass
class Setup:
    facilitator: User
    programme: Programme
    participant: Participant
    participant_token: str


def build_programme(language: str = "en") -> Setup:
    """A facilitator's programme with units, participants, a manager and a personal link."""
    workspace = WorkspaceFactory(name="Trivsel ApS")
    facilitator = MembershipFactory(workspace=workspace, user=UserFactory(username="fac")).user
    programme = create_programme(
        workspace=workspace,
        organisation="Skovby Kommune, Ældreplejen",
        title="Social kapital i hjemmeplejen",
        language=language,
    )
    north = UnitFactory(programme=programme, name="Hjemmeplejen Nord")
    day = UnitFactory(programme=programme, parent=north, name="Dagvagt")
    UnitFactory(programme=programme, name="Hjemmeplejen Syd")
    participants = ParticipantFactory.create_batch(3, unit=day, programme=programme)
    ProgrammeManagerFactory(
        programme=programme,
        user=UserFactory(username="mgr", first_name="Mette", last_name="Hansen"),
    )
    ProgrammeManagerFactory(programme=programme, user=UserFactory(username="lim"), unit=north)
    participant = participants[0]
    token = participant.issue_link_token()
    return Setup(facilitator, programme, participant, token)


def log_in(page: Page, username: str) -> None:
    """Sign in through the real login form."""
    page.goto("/accounts/login/")
    form = page.locator("#main form")
    form.locator("input[name=login]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    expect(page.locator("form[action$='/logout/']")).to_have_count(1)


# --- Checks shared by the participant, projector and results tests ----------------------

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}
MIN_TARGET_PX = 24  # WCAG 2.2 SC 2.5.8 Target Size (Minimum)

# Buttons, links, inputs and the labels that wrap a radio button (the real tap target).
TARGETS_JS = """
(min) => Array.from(document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button],'
    + ' label:has(input[type=radio])'))
  .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .filter((el) => !el.closest('.visually-hidden'))
  .map((el) => {
    const box = el.getBoundingClientRect();
    return {html: el.outerHTML.slice(0, 160), width: box.width, height: box.height};
  })
  .filter((target) => target.width < min || target.height < min)
"""
WIDTHS_JS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def html_lang(page: Page) -> str | None:
    return page.locator("html").get_attribute("lang")


class Scanner:
    """Runs axe on the page in hand and collects every violation report with its page name."""

    def __init__(self) -> None:
        self.axe = Axe()
        self.scans = 0
        self.problems: list[str] = []

    def scan(self, page: Page, name: str) -> None:
        """axe on the page as it is now; axe is put on a page once, then run again there (at
        another size, after a swap) without loading it anew."""
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(self.axe.axe_script)
        violations = page.evaluate(
            "(options) => axe.run(document, options).then((results) => results.violations)",
            AXE_OPTIONS,
        )
        results = AxeResults({"violations": violations})
        self.scans += 1
        if results.violations_count:
            self.problems.append(f"--- {name} ({page.url})\n{results.generate_report()}")

    def report(self, request) -> None:
        """Count the scans for the terminal summary; fail with every report at once."""
        request.node.user_properties.append(("axe_scans", self.scans))
        assert not self.problems, "\n".join(self.problems)


def horizontal_overflow(page: Page) -> str | None:
    scroll, client = page.evaluate(WIDTHS_JS)
    return f"scrollWidth {scroll} > clientWidth {client}" if scroll > client else None


def small_targets(page: Page, minimum: int = MIN_TARGET_PX) -> list[dict]:
    return page.evaluate(TARGETS_JS, minimum)
