"""Steps of the whole journey (tests/browser/test_journey.py), as a person does them.

Each helper clicks and types on a page; none reaches into the database. The journey keeps
the time, names its steps, and puts a screenshot of every step into artifacts/journey/
(git-ignored), so a person can follow the programme from the login to the PDF.
"""

from __future__ import annotations

import datetime
import io
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect
from playwright.sync_api import Response as HttpResponse
from pypdf import PdfReader

from tests.browser.support import horizontal_overflow
from tests.factories import PASSWORD

ARTIFACTS = Path(settings.BASE_DIR) / "artifacts" / "journey"
PHONE = {"width": 360, "height": 640}
DESK = {"width": 1280, "height": 800}
PROJECTOR_WAIT_MS = 2_000 * 4  # display.html polls every 2 s
WALL_WAIT_MS = PROJECTOR_WAIT_MS  # the wall is the same page


def follow(page: Page, action: Callable[[], None]) -> HttpResponse:
    """Do something that loads a new document; return its (final) response once loaded."""
    with page.expect_navigation() as navigation:
        action()
    response = navigation.value
    assert response is not None
    return response


def message(page: Page, text: str) -> None:
    expect(page.locator(".messages")).to_contain_text(text)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


@dataclass
class Journey:
    """The steps passed so far, the time they took, and a numbered screenshot of each."""

    started: float = field(default_factory=time.monotonic)
    passed: list[str] = field(default_factory=list)
    shots: int = 0

    @classmethod
    def begin(cls) -> Journey:
        """A journey with an empty screenshot folder: no picture is left from an older run."""
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        ARTIFACTS.mkdir(parents=True)
        return cls()

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        began = time.monotonic()
        yield
        self.passed.append(name)
        print(f"  step {len(self.passed):2d} passed in {time.monotonic() - began:5.1f} s: {name}")

    def shot(self, page: Page, name: str) -> None:
        """A full-page screenshot named by its place in the journey."""
        self.shots += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        page.screenshot(path=ARTIFACTS / f"{self.shots:02d}-{slug}.png", full_page=True)

    def summary(self) -> str:
        took = time.monotonic() - self.started
        return f"journey: {len(self.passed)} steps passed in {took:.1f} s, {self.shots} screenshots"


# --- The facilitator: a password, then an authenticator app --------------------------------


def totp_code(secret: str) -> str:
    """What the authenticator app on the facilitator's phone shows now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def log_in_and_set_up_an_authenticator(page: Page, username: str) -> str:
    """Log in with the password; MFA is required, so set up the app; return its secret."""
    page.goto("/accounts/login/")
    page.fill("#main input[name=login]", username)
    page.fill("#main input[name=password]", PASSWORD)
    page.click("#main form button[type=submit] >> nth=0")
    page.wait_for_url("**/accounts/2fa/")
    page.get_by_role("button", name="Set up an authenticator app").click()
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.fill("#main input[name=password]", PASSWORD)
    page.click("#main form button[type=submit] >> nth=0")
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    page.get_by_text("Cannot scan?").click()
    secret = page.locator("#authenticator_secret").inner_text().strip()
    page.fill("#main input[name=code]", totp_code(secret))
    page.click("#main form button[type=submit] >> nth=0")
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    return secret


def log_in_with_code(page: Page, username: str, secret: str) -> None:
    """The second login of a facilitator: the password, then the app's code."""
    page.goto("/accounts/login/")
    page.fill("#main input[name=login]", username)
    page.fill("#main input[name=password]", PASSWORD)
    page.click("#main form button[type=submit] >> nth=0")
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.fill("#main input[name=code]", totp_code(secret))
    page.click("#main form button[type=submit] >> nth=0")
    page.wait_for_url(lambda url: "/accounts/" not in url)
    expect(page.locator("form[action$='/logout/']")).to_have_count(1)


# --- The facilitator's pages -----------------------------------------------------------------


def to_section(page: Page, label: str) -> None:
    """A link of the programme's menu (Units, Participants, Survey, Results, ...)."""
    menu = page.get_by_role("navigation", name="Programme")
    link = menu.get_by_role("link", name=label, exact=True)
    assert follow(page, link.click).status == 200


def to_seminar(page: Page, title: str) -> None:
    """The programme's overview, then the seminar's run-sheet."""
    to_section(page, "Overview")
    link = page.locator("#main").get_by_role("link", name=title, exact=True)
    assert follow(page, link.click).status == 200


def add_action(page: Page, text: str, owner: str, due: str) -> None:
    """The plan page's "Add an action", filled and sent."""
    adder = page.locator("details", has=page.locator("summary", has_text="Add an action"))
    adder.locator("summary").click()
    adder.get_by_label("What").fill(text)
    adder.get_by_label("Who").fill(owner)
    adder.get_by_label("By when").fill(due)
    assert follow(page, adder.get_by_role("button", name="Add the action").click).status == 200
    message(page, "The action has been added.")


def open_popup(page: Page, button_name: str) -> str:
    """A button that posts into a new tab (the projector view): the address it lands on."""
    with page.context.expect_page() as opened:
        page.get_by_role("button", name=button_name).click()
    popup = opened.value
    popup.wait_for_load_state()
    url = path_of(popup.url)
    popup.close()
    return url


def phase(control: Page, label: str) -> None:
    """Press a phase button of a board's control view (an htmx swap of #board)."""
    steps = control.locator("#board .phase-steps")
    steps.get_by_role("button", name=label, exact=True).click()
    expect(steps.get_by_role("button", name=label, exact=True)).to_have_attribute(
        "aria-current", "step"
    )


def close_round(page: Page) -> None:
    """On a round's page: "Close the round…", then confirm."""
    page.locator("details.close-round summary").click()
    button = page.get_by_role("button", name="Yes, close the round")
    assert follow(page, button.click).status == 200


# --- Phones -----------------------------------------------------------------------------


@dataclass
class Phone:
    """One phone in the room, in a browser context of its own, with or without JavaScript."""

    name: str
    page: Page
    javascript: bool = True

    def enter(self, code: str) -> HttpResponse:
        """Type the code from the screen on /j/, as a person does."""
        assert self.page.goto("/j/").status == 200
        self.page.get_by_label("Code from the screen").fill(code)
        join = self.page.locator("#main form").get_by_role("button", name="Join")
        return follow(self.page, join.click)

    def enter_opening(self, code: str, title: str) -> None:
        """Enter the room; when several things are open, choose one by its title."""
        assert self.enter(code).status == 200
        chooser = self.page.get_by_role("heading", level=1, name="In the room now")
        if chooser.count():
            entry = self.page.locator(".room-openings").get_by_role("button", name=title)
            assert follow(self.page, entry.click).status == 200

    def submit(self) -> HttpResponse:
        return follow(self.page, self.page.locator("#main form button[type=submit]").click)

    def fields(self) -> list[tuple[str, list[str]]]:
        """Each question on a survey page: its field name and the values it offers."""
        return self.page.eval_on_selector_all(
            "form.survey-page fieldset.item",
            """(sets) => sets.map((set) => {
                const radios = Array.from(set.querySelectorAll('input[type=radio]'));
                return [radios[0].name, radios.map((radio) => radio.value)];
            })""",
        )

    def answer_survey(self, code: str, unit: str, values: list[str]) -> int:
        """From the room code to the review: the first page (language, the promise, the
        unit), then every question page.

        The answers cycle through `values` (scale values "1" to "5"). Returns how many
        questions were answered.
        """
        assert self.enter(code).status == 200
        assert re.search(r"/s/\d+/$", self.page.url), self.page.url
        english = self.page.locator("button[name=language][value=en]")
        assert follow(self.page, english.click).status == 200
        self.page.get_by_role("radio", name=unit, exact=True).check()
        start = self.page.locator("#main form:not(.language-choice) button[type=submit]")
        assert follow(self.page, start.click).status == 200
        answered = 0
        while "/review/" not in self.page.url:
            for name, _offered in self.fields():
                value = values[answered % len(values)]
                radio = self.page.locator(f"input[name='{name}'][value='{value}']")
                if self.javascript:  # survey.js saves each tap: wait for it
                    with self.page.expect_response(lambda r: r.request.method == "POST"):
                        radio.check()
                else:
                    radio.check()
                answered += 1
            next_page = self.page.locator("button[name=nav][value=next]")
            assert follow(self.page, next_page.click).status == 200
        expect(self.page.locator("dl.review em")).to_have_count(0)  # nothing left out
        return answered

    def send_answers(self) -> HttpResponse:
        button = self.page.locator("#main form button.submit-answers")
        response = follow(self.page, button.click)
        assert re.search(r"/thanks/$", self.page.url), self.page.url
        return response

    def write(self, text: str) -> None:
        self.page.get_by_label("Your post").fill(text)
        send = self.page.locator("#main form.post-form").get_by_role("button", name="Send")
        assert follow(self.page, send.click).status == 200

    def update(self) -> None:
        """Phones do not poll: "Update the page", as the person is told to."""
        link = self.page.get_by_role("link", name="Update the page")
        assert follow(self.page, link.click).status == 200

    def dot(self, title: str) -> None:
        item = self.page.locator("li.vote-item", has_text=title)
        button = item.get_by_role("button", name="Put a dot here")
        assert follow(self.page, button.click).status == 200

    def fits(self, step: str) -> None:
        assert horizontal_overflow(self.page) is None, f"{self.name} scrolls sideways at {step}"


# --- The PDF ----------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The report's text as pypdf reads it, with whitespace and minus signs made plain."""
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(text.replace("\u2212", "-").split())
