"""The survey on a phone: with and without JavaScript, by keyboard, drafts, links and axe.

Every test answers the cast's open baseline round (10 standard items on 3 pages). Pages are
found by their structure (names, values, URLs), never by translated wording, so the tests
hold while the translations change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import BrowserContext, Page, Request, expect
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Response as HttpResponse

from surveys import services
from surveys.models import Answer, Draft, Participation, Response, Round
from tests.browser.support import (
    Scanner,
    horizontal_overflow,
    html_lang,
    small_targets,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LANGUAGES = ["da", "sv", "en"]
OTHER_LANGUAGE = {"da": "sv", "sv": "en", "en": "da"}
PHONE = {"width": 360, "height": 640}
VIEWPORTS = {"phone": (360, 640), "desktop": (1280, 800)}
SCALE = ["4", "5", "3", "2", "1"]
MAX_TABS = 80


def follow(page: Page, action: Callable[[], None]) -> HttpResponse:
    """Do something that loads a new document; return its (final) response once loaded."""
    with page.expect_navigation() as navigation:
        action()
    response = navigation.value
    assert response is not None
    return response


def is_autosave_request(request: Request) -> bool:
    """survey.js posts the page's form as multipart data with nav=autosave."""
    return (
        request.method == "POST"
        and request.resource_type == "fetch"
        and "/q/" in request.url
        and "autosave" in (request.post_data or "")
    )


def is_autosave(response: HttpResponse) -> bool:
    return is_autosave_request(response.request)


START_BUTTON = "#main form:not(.language-choice) button[type=submit]"


@dataclass
class Phone:
    """One phone answering one round, by pointer (tap) unless told otherwise."""

    page: Page
    round: Round
    javascript: bool = True
    answers: dict[int, str] = field(default_factory=dict)

    def path(self, rest: str = "") -> str:
        return f"/s/{self.round.pk}/{rest}"

    def at(self, rest: str) -> bool:
        return self.page.url.endswith(self.path(rest))

    def choose_language(self, language: str) -> HttpResponse:
        """Tap a language button at the top of the first page: the page again, in it."""
        button = self.page.locator(f"#main form.language-choice button[value={language}]")
        response = follow(self.page, button.click)
        assert self.at(""), self.page.url
        return response

    def choose_unit(self, unit_id: int | None = None) -> HttpResponse:
        """Tap a unit (or keep the one the personal link preset), Start, and go to page 1."""
        if unit_id is not None:
            self.page.locator(f"input[name=unit][value='{unit_id}']").check()
        else:
            expect(self.page.locator("input[name=unit]:checked")).to_have_count(1)
        response = follow(self.page, self.page.locator(START_BUTTON).click)
        assert self.at("q/1/"), self.page.url
        return response

    def fields(self) -> list[tuple[str, list[str]]]:
        """Each question on the page: its field name and the values it offers."""
        return self.page.eval_on_selector_all(
            "form.survey-page fieldset.item",
            """(sets) => sets.map((set) => {
                const radios = Array.from(set.querySelectorAll('input[type=radio]'));
                return [radios[0].name, radios.map((radio) => radio.value)];
            })""",
        )

    def tap(self, name: str, value: str) -> None:
        radio = self.page.locator(f"input[name='{name}'][value='{value}']")
        if self.javascript:  # survey.js saves each tap: wait for it, at a person's pace
            with self.page.expect_response(is_autosave) as saved:
                radio.check()
            assert saved.value.status == 204
        else:
            radio.check()

    def answer_page(self) -> dict[int, str]:
        """Tap an answer to every question on the page; "don't know" where it is offered
        on every other question, else a value of the scale."""
        chosen = {}
        for name, values in self.fields():
            index = len(self.answers) + len(chosen)
            value = "dk" if "dk" in values and index % 2 else SCALE[index % len(SCALE)]
            self.tap(name, value)
            chosen[int(name.removeprefix("item-"))] = value
        self.answers.update(chosen)
        return chosen

    def next(self) -> HttpResponse:
        button = self.page.locator("button[name=nav][value=next]")
        return follow(self.page, button.click)

    def answer_all_pages(self, on_page: Callable[[int], None] | None = None) -> None:
        """From the current question page to the review."""
        while not self.at("review/"):
            number = int(re.search(r"/q/(\d+)/$", self.page.url).group(1))
            if on_page:
                on_page(number)
            self.answer_page()
            assert self.next().status == 200

    def send(self) -> HttpResponse:
        button = self.page.locator("#main form button.submit-answers")
        response = follow(self.page, button.click)
        assert self.at("thanks/"), self.page.url
        return response

    def plant_invalid_answer(self, value: str = "dk") -> None:
        """Edit the DOM: the first question that does not offer `value` now sends it."""
        planted = self.page.evaluate(
            """(value) => {
                for (const set of document.querySelectorAll('form.survey-page fieldset.item')) {
                    if (set.querySelector(`input[value="${value}"]`)) continue;
                    const radio = set.querySelector('input[type=radio]');
                    radio.value = value;
                    radio.checked = true;
                    return radio.name;
                }
                return null;
            }""",
            value,
        )
        assert planted, f"every question on the page offers {value!r}"


def expected_answers(answers: dict[int, str]) -> dict[int, int | None]:
    return {pk: None if value == "dk" else int(value) for pk, value in answers.items()}


def stored_answers(response: Response) -> dict[int, int | None]:
    return dict(Answer.objects.filter(response=response).values_list("item_id", "value"))


class RequestLog:
    """Every request any page of a context makes."""

    def __init__(self, context: BrowserContext) -> None:
        self.requests: list[Request] = []
        context.on("request", self.record)

    def record(self, request: Request) -> None:
        self.requests.append(request)

    def urls(self) -> list[str]:
        return [request.url for request in self.requests]

    def foreign(self, origin: str) -> list[str]:
        return [
            url
            for url in self.urls()
            if not url.startswith(f"{origin}/") and not url.startswith("data:")
        ]


def use_language(round: Round, language: str) -> None:
    programme = round.programme
    programme.language = language
    programme.save(update_fields=["language"])


# --- The whole flow, with and without JavaScript -----------------------------------------


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_survey_on_a_phone(live_server, open_context, cast, open_round, language, javascript):
    """/j/<code>/ to the thank-you page; <html lang> follows the language chosen (X-2)."""
    use_language(open_round, OTHER_LANGUAGE[language])  # the phone reads another one
    context = open_context(language=language, **PHONE, javascript=javascript)
    log = RequestLog(context)
    page = context.new_page()
    phone = Phone(page, open_round, javascript=javascript)

    response = page.goto(f"/j/{services.room_code(open_round)}/")
    assert response is not None and response.status == 200
    assert phone.at(""), page.url
    # The language the phone already reads is shown and marked, not the programme's.
    assert html_lang(page) == language
    current = page.locator("#main button[name=language][aria-current=true]")
    expect(current).to_have_attribute("value", language)

    steps = [
        ("start, the language tapped", lambda: phone.choose_language(language)),
        ("page 1", lambda: phone.choose_unit(cast.units["North Day"].pk)),
    ]
    for name, step in steps:
        assert step().status == 200, name
        assert html_lang(page) == language, name

    phone.answer_all_pages(on_page=lambda n: assert_lang(page, language, f"page {n}"))
    assert html_lang(page) == language, "review"
    rows = page.locator("dl.review > div")
    expect(rows).to_have_count(1 + len(phone.answers))  # the unit and every question
    expect(rows.first.locator("dd")).to_contain_text("North Day")
    expect(page.locator("dl.review em")).to_have_count(0)  # nothing left unanswered

    assert phone.send().status == 200
    assert html_lang(page) == language, "thanks"
    expect(page.locator("#main h1")).to_have_count(1)

    assert Response.objects.count() == 1
    stored = Response.objects.get()
    assert (stored.round_id, stored.unit_id, stored.language) == (
        open_round.pk,
        cast.units["North Day"].pk,
        language,
    )
    assert stored_answers(stored) == expected_answers(phone.answers)
    assert len(phone.answers) == len(services.survey_items(open_round.programme))
    assert Draft.objects.count() == 0
    autosaves = [r for r in log.requests if is_autosave_request(r)]
    assert len(autosaves) == (len(phone.answers) if javascript else 0)
    assert log.foreign(live_server.url) == []  # N-7


def assert_lang(page: Page, language: str, name: str) -> None:
    assert html_lang(page) == language, name


# --- Keyboard only (X-2) ----------------------------------------------------------------


def focused(page: Page, selector: str) -> bool:
    return page.evaluate(
        "(selector) => !!document.activeElement && document.activeElement.matches(selector)",
        selector,
    )


def active_value(page: Page) -> str | None:
    return page.evaluate("() => document.activeElement && document.activeElement.value")


def tab_to(page: Page, selector: str, *, backwards: bool = False) -> None:
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        if focused(page, selector):
            return
    raise AssertionError(f"{key} never reached {selector} on {page.url}")


def arrow_to(page: Page, value: str, press: Callable[[str], None] | None = None) -> None:
    """In a radio group: select the focused radio with Space, or arrow round to the value."""
    press = press or page.keyboard.press
    if active_value(page) == value:
        if not page.evaluate("() => document.activeElement.checked"):
            press("Space")
    else:
        for _ in range(10):
            press("ArrowDown")
            if active_value(page) == value:
                break
    assert active_value(page) == value
    assert page.evaluate("() => document.activeElement.checked")


def press_enter(page: Page) -> HttpResponse:
    return follow(page, lambda: page.keyboard.press("Enter"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_survey_by_keyboard_only(live_server, open_context, cast, open_round, language):
    """Tab, Shift+Tab, Space, Enter and arrows only: no click, no check() (X-2).

    The phone reads one language and the programme is in another; the person picks a third
    with the arrow keys, and every page from then on is in it (<html lang> too). Seen to fail
    with the language cookie left out: the first page came back in the phone's language.
    """
    browser = OTHER_LANGUAGE[language]
    use_language(open_round, OTHER_LANGUAGE[browser])
    page = open_context(language=browser, **PHONE).new_page()
    phone = Phone(page, open_round)
    page.goto(f"/j/{services.room_code(open_round)}/")
    assert phone.at("")
    assert html_lang(page) == browser

    # The language buttons are on the first page: Tab to the chosen one, Enter.
    tab_to(page, f"button[name=language][value={language}]")
    assert press_enter(page).status == 200 and phone.at("")
    assert html_lang(page) == language

    south = str(cast.units["South"].pk)
    tab_to(page, "input[name=unit]")
    arrow_to(page, south)
    tab_to(page, START_BUTTON)
    assert press_enter(page).status == 200 and phone.at("q/1/")

    def press_and_save(key: str) -> None:
        """Each change of answer is saved by survey.js: wait for it, in order."""
        with page.expect_response(is_autosave) as saved:
            page.keyboard.press(key)
        assert saved.value.status == 204

    answers: dict[int, str] = {}
    while not phone.at("review/"):
        assert html_lang(page) == language
        for name, values in phone.fields():
            tab_to(page, f"input[name='{name}']")
            value = "dk" if "dk" in values else SCALE[len(answers) % len(SCALE)]
            arrow_to(page, value, press_and_save)
            answers[int(name.removeprefix("item-"))] = value
        tab_to(page, "button[name=nav][value=next]")
        tab_to(page, "button[name=nav][value=back]", backwards=True)
        tab_to(page, "button[name=nav][value=next]")
        assert press_enter(page).status == 200

    assert html_lang(page) == language
    tab_to(page, "button.submit-answers")
    assert press_enter(page).status == 200 and phone.at("thanks/")
    assert html_lang(page) == language

    stored = Response.objects.get()
    assert (stored.unit_id, stored.language) == (cast.units["South"].pk, language)
    assert stored_answers(stored) == expected_answers(answers)
    assert Draft.objects.count() == 0


# --- Drafts (R-6) -----------------------------------------------------------------------


def assert_checked(page: Page, answers: dict[int, str]) -> None:
    for pk, value in answers.items():
        expect(page.locator(f"input[name='item-{pk}'][value='{value}']")).to_be_checked()


def draft_answers() -> dict[int, str]:
    return {int(pk): str(value) for pk, value in Draft.objects.get().answers.items()}


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_drafts_survive_a_reload_and_a_new_tab(
    live_server, open_context, cast, open_round, javascript
):
    context = open_context(language="da", **PHONE, javascript=javascript)
    page = context.new_page()
    phone = Phone(page, open_round, javascript=javascript)
    page.goto(f"/j/{services.room_code(open_round)}/")
    phone.choose_language("da")
    phone.choose_unit(cast.units["South"].pk)

    first = phone.answer_page()
    assert phone.next().status == 200 and phone.at("q/2/")
    assert draft_answers() == first

    # The same tab, navigated back to page 1 and reloaded.
    page.goto(phone.path("q/1/"))
    assert_checked(page, first)
    page.reload()
    assert_checked(page, first)
    # A new tab of the same browser.
    tab = context.new_page()
    tab.goto(phone.path("q/1/"))
    assert_checked(tab, first)
    tab.close()

    page.goto(phone.path("q/2/"))
    (name, values), *_ = phone.fields()
    pk = int(name.removeprefix("item-"))
    if javascript:
        # One tap on page 2, no button: survey.js has saved it already.
        phone.tap(name, values[0])
        assert draft_answers() == {**first, pk: values[0]}
        tab = context.new_page()
        tab.goto(phone.path("q/2/"))
        assert_checked(tab, {pk: values[0]})
        tab.close()
    else:
        # Without JavaScript a tap alone stays on the phone until a button is pressed.
        phone.tap(name, values[0])
        assert draft_answers() == first

    phone.answer_all_pages()
    assert Draft.objects.count() == 1
    phone.send()
    assert Draft.objects.count() == 0
    assert Response.objects.count() == 1
    assert stored_answers(Response.objects.get()) == expected_answers(phone.answers)


def test_quick_changes_are_saved_one_at_a_time_and_the_last_one_wins(
    live_server, open_context, cast, open_round
):
    """Arrowing through a group checks every answer on the way: each change posts a save.

    survey.js sends one at a time, so an older answer can never overtake the newest one.
    """
    page = open_context(language="en", **PHONE).new_page()
    phone = Phone(page, open_round)
    page.goto(f"/j/{services.room_code(open_round)}/")
    phone.choose_language("en")
    phone.choose_unit(cast.units["South"].pk)

    in_flight, most = 0, 0

    def started(request: Request) -> None:
        nonlocal in_flight, most
        if is_autosave_request(request):
            in_flight += 1
            most = max(most, in_flight)

    def answered(response: HttpResponse) -> None:  # the server has saved by now
        nonlocal in_flight
        if is_autosave(response):
            in_flight -= 1

    page.on("request", started)
    page.on("response", answered)

    final = {}
    for name, _values in phone.fields():
        tab_to(page, f"input[name='{name}']")
        for _ in range(4):
            page.keyboard.press("ArrowDown")  # no waiting: as fast as a finger on a key
        final[int(name.removeprefix("item-"))] = active_value(page)
    for _ in range(50):
        if in_flight == 0 and draft_answers() == final:
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)  # nothing else arrives later
    assert in_flight == 0
    assert draft_answers() == final
    assert most == 1, f"{most} saves were on their way at once"


# --- A personal link: the token never leaves the first request (T-2, N-7) ----------------


def test_personal_link_token_stays_out_of_urls_and_referers(
    live_server, open_context, cast, open_round
):
    participant = cast.units["South"].participants.first()
    token = participant.issue_link_token()
    context = open_context(language="en", **PHONE)
    log = RequestLog(context)
    page = context.new_page()
    addresses: list[str] = []
    page.on("framenavigated", lambda frame: addresses.append(frame.url))
    phone = Phone(page, open_round)

    first = page.goto(f"/p/{token}/")
    assert first is not None and first.status == 200
    assert page.url == f"{live_server.url}/p/"
    redirect = first.request.redirected_from
    assert redirect is not None and redirect.url == f"{live_server.url}/p/{token}/"
    assert redirect.response().status == 302
    assert redirect.response().header_value("referrer-policy") == "no-referrer"

    link = page.locator(f"#main a[href$='{phone.path()}']")
    assert follow(page, link.click).status == 200
    phone.choose_language("sv")
    assert html_lang(page) == "sv" and phone.at("")
    phone.choose_unit()  # the link's unit is preselected
    # The header's language switcher is a form on every later participant page: use it too.
    follow(page, page.locator("header form.language-switcher button[value=en]").click)
    assert html_lang(page) == "en" and phone.at("q/1/")
    phone.answer_all_pages()
    phone.send()
    assert Participation.objects.filter(participant=participant, round=open_round).count() == 1
    assert Response.objects.count() == 1

    # The same link on another phone: answered already.
    other = open_context(language="en", **PHONE)
    other_log = RequestLog(other)
    second = other.new_page()
    second.on("framenavigated", lambda frame: addresses.append(frame.url))
    assert second.goto(f"/p/{token}/").status == 200
    expect(second.locator(f"#main a[href$='{phone.path()}']")).to_have_count(0)
    assert second.goto(phone.path()).status == 409
    assert Response.objects.count() == 1

    requests = log.requests + other_log.requests
    with_token = [r.url for r in requests if token in r.url]
    assert with_token == [f"{live_server.url}/p/{token}/"] * 2  # the two first GETs only
    assert addresses and not [url for url in addresses if token in url]
    referers = [r.headers.get("referer") for r in requests]
    assert any(referers), "no Referer header was recorded at all"
    assert not [ref for ref in referers if ref and token in ref]
    assert log.foreign(live_server.url) == [] and other_log.foreign(live_server.url) == []


# --- axe, reflow at 320 px and target sizes (X-1, X-3, X-4) ------------------------------


def participant_tour(
    page: Page, open_page: Callable[[], Page], round: Round, token: str, language: str
) -> Iterator[tuple[str, Page]]:
    """Every participant page and state in turn, yielded while it is on screen."""
    phone = Phone(page, round)
    response = page.goto("/j/")
    assert response is not None and response.status == 200
    yield "join", page

    page.locator("#main input[name=code]").fill("QQQQQQ")
    assert follow(page, page.locator("#main form button[type=submit]").click).status == 404
    expect(page.locator("#main [role=alert]")).to_have_count(1)
    yield "join, unknown code", page

    assert page.goto(f"/p/{token}/").status == 200
    assert follow(page, page.locator(f"#main a[href$='{phone.path()}']").click).status == 200
    yield "start: language, intro and unit", page
    phone.choose_language(language)
    yield "start, the language tapped", page
    phone.choose_unit()
    yield "question page", page

    phone.plant_invalid_answer("dk")
    assert phone.next().status == 422
    assert phone.at("q/1/")
    expect(page.locator("#main [role=alert]")).to_have_count(1)
    expect(page.locator("fieldset.item.has-error")).to_have_count(1)
    yield "question page, invalid answer", page

    phone.answer_all_pages()
    yield "review", page
    phone.send()
    yield "thank you", page

    second = open_page()
    assert second.goto(f"/p/{token}/").status == 200
    yield "participant home, answered", second
    assert second.goto(phone.path()).status == 409
    yield "already answered", second


@pytest.mark.parametrize("viewport", list(VIEWPORTS), ids=list(VIEWPORTS))
@pytest.mark.parametrize("language", LANGUAGES)
def test_participant_pages_axe_reflow_and_targets(
    live_server, open_context, cast, open_round, request, language, viewport
):
    use_language(open_round, language)
    token = cast.units["North Day"].participants.first().issue_link_token()
    width, height = VIEWPORTS[viewport]

    def open_page() -> Page:
        return open_context(language=language, width=width, height=height).new_page()

    scanner, overflowing, small, seen = Scanner(), [], [], []
    for name, page in participant_tour(open_page(), open_page, open_round, token, language):
        seen.append(name)
        assert html_lang(page) == language, f"{name}: <html lang> is not {language!r}"
        scanner.scan(page, name)
        small += [f"{name}: {target}" for target in small_targets(page)]
        if viewport == "phone":  # the same page at 320 px
            page.set_viewport_size({"width": 320, "height": height})
            if problem := horizontal_overflow(page):
                overflowing.append(f"{name}: {problem}")
            small += [f"{name} at 320 px: {target}" for target in small_targets(page)]
            page.set_viewport_size({"width": width, "height": height})

    print(f"axe: {scanner.scans} participant page scans in {language} at {width}x{height}")
    assert len(seen) == 10
    assert not overflowing, "\n".join(overflowing)
    assert not small, "\n".join(small)
    scanner.report(request)


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_a_lost_reply_to_the_submit_stores_one_response(
    live_server, open_context, cast, open_round, javascript
):
    """QUALITY R-7 (b): the server stores the answers but the phone never gets the reply
    (the connection drops on the way back). The phone shows the browser's error; the person
    goes back and presses "Send" again, and the same key finds what was stored: one
    response, and the thank-you page."""
    context = open_context(language="en", **PHONE, javascript=javascript)
    page = context.new_page()
    phone = Phone(page, open_round, javascript=javascript)
    page.goto(f"/j/{services.room_code(open_round)}/")
    phone.choose_unit(cast.units["South"].pk)
    phone.answer_all_pages()
    assert phone.at("review/")

    dropped = []

    def commit_then_drop(route) -> None:
        if route.request.method == "POST" and not dropped:
            reply = route.fetch(max_redirects=0)  # the server handles the submit: stored
            dropped.append(reply.status)
            route.abort("connectionreset")  # and the reply is lost on the way back
            return
        route.continue_()

    page.route("**/review/", commit_then_drop)
    # The navigation fails, as on a phone whose connection dropped.
    with pytest.raises(PlaywrightError):
        page.locator("#main form button.submit-answers").click()
        page.wait_for_url("**/thanks/", timeout=3000)
    assert dropped == [303]
    assert Response.objects.filter(round=open_round).count() == 1  # stored, reply lost

    # The person goes back to the review page (from the browser's history) and sends again.
    page.unroute("**/review/")
    page.goto(phone.path("review/"))
    if phone.at("review/"):
        phone.send()
    assert phone.at("thanks/"), page.url
    assert Response.objects.filter(round=open_round).count() == 1
    stored = Response.objects.get(round=open_round)
    assert stored_answers(stored) == expected_answers(phone.answers)
