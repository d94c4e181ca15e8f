"""What people see after the fixes to the core: hidden figures that say why, tables that read
on a phone, a trend over rounds, a deliberate close, a phone whose round closes, and a
language step that follows the phone.

Screenshots land in artifacts/screenshots/ (not committed) for a look by eye.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from programmes.models import Unit
from surveys import services
from surveys.models import Event, Round
from tests.browser.support import Scanner, horizontal_overflow, html_lang, log_in
from tests.browser.test_projector_and_results import ScriptProblems
from tests.browser.test_survey_phone import Phone, follow
from tests.factories import closed_round

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def three_rounds(cast) -> list[Round]:
    """Three closed rounds on three seminar days, with an event between the first two."""
    u = cast.units
    Unit.objects.filter(pk=u["South"].pk).update(headcount=6)  # 7 answer: over the headcount
    answers = [
        {u["North Day"]: (3, 6), u["South"]: (2, 7), u["North"]: (3, 2)},
        {u["North Day"]: (4, 6), u["South"]: (3, 7), u["North"]: (3, 2)},
        {u["North Day"]: (5, 6), u["South"]: (4, 7), u["North"]: (3, 2)},
    ]
    titles = ["Nulpunktsmåling", "Pulsmåling", "Slutmåling"]
    days = [datetime.date(2026, 3, 2), datetime.date(2026, 6, 1), datetime.date(2026, 9, 14)]
    rounds = []
    for title, day, sheet in zip(titles, days, answers, strict=True):
        r = closed_round(cast.programme, title, sheet)
        Round.objects.filter(pk=r.pk).update(
            closes_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59)))
        )
        rounds.append(r)
    Event.objects.create(
        programme=cast.programme, date=datetime.date(2026, 4, 20), text="Ny leder i Syd"
    )
    return rounds


@pytest.mark.parametrize("width", [320, 360, 1280])
def test_the_dashboard_reads_on_a_phone_and_the_trend_is_over_rounds(
    live_server, open_context, cast, request, width
):
    three_rounds(cast)
    context = open_context(language="da", width=width, height=800)
    problems = ScriptProblems(context)
    page = context.new_page()
    log_in(page, cast.facilitator.username)
    page.goto(f"/programmes/{cast.programme.pk}/results/")
    assert html_lang(page) == "da"
    expect(page.locator("#trend-data")).to_have_count(1)
    expect(page.locator(".chart[data-chart='trend-data'] .xtick text").first).to_be_visible()
    ticks = page.locator(".chart[data-chart='trend-data'] .xtick text").all_text_contents()
    assert ticks and all(":" not in tick for tick in ticks), ticks  # no clock times
    assert any("Nulpunktsmåling" in tick for tick in ticks)
    shoot(page, f"results-da-{width}")
    assert horizontal_overflow(page) is None
    # Every table fits: the change and verdict columns are on screen, not scrolled away.
    for table in page.locator("table").all():
        box = table.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width + 1, table.inner_text()[:80]
    verdict = page.locator(".change-table .verdict").first
    expect(verdict).to_be_visible()
    assert verdict.bounding_box()["x"] + verdict.bounding_box()["width"] <= width
    if width < 640:  # stacked: each value carries its column's name
        label = (
            page.locator(".change-table td")
            .nth(2)
            .evaluate("(td) => getComputedStyle(td, '::before').content")
        )
        assert "Ændring" in label or "ndring" in label, label
    scanner = Scanner()
    scanner.scan(page, f"results, da, {width}")
    problems.check(page)
    scanner.report(request)


def test_a_limited_manager_reads_why_figures_are_hidden(live_server, open_context, cast, request):
    u = cast.units
    closed_round(
        cast.programme,
        "Baseline",
        {u["North Day"]: (3, 4), u["North"]: (4, 2), u["South"]: (4, 2)},
    )
    scanner = Scanner()
    for width in (360, 1280):
        context = open_context(language="en", width=width, height=800)
        page = context.new_page()
        log_in(page, cast.limited_manager.username)
        page.goto(f"/programmes/{cast.programme.pk}/results/")
        note = page.locator(".hidden-note").first
        expect(note).to_be_visible()
        expect(note).to_contain_text("No figures can be shown for North")
        expect(page.locator(".chart[data-chart='bars-data']")).to_have_count(0)
        expect(page.locator(".suppressed").first).to_be_visible()  # on the page, not on hover
        expect(page.locator(".suppressed").first).to_contain_text("hidden:")
        page.locator(".hidden-help summary").click()
        expect(page.locator(".hidden-help p")).to_be_visible()
        assert horizontal_overflow(page) is None
        scanner.scan(page, f"results, limited manager, {width}")
        shoot(page, f"results-limited-manager-{width}")
        context.close()
    scanner.report(request)


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_closing_a_round_is_a_second_step_that_says_what_happened(
    live_server, open_context, cast, open_round, javascript, request
):
    context = open_context(language="en", javascript=javascript)
    page = context.new_page()
    log_in(page, cast.facilitator.username)
    page.goto(f"/programmes/{cast.programme.pk}/rounds/{open_round.pk}/")
    projector = page.get_by_role("button", name="Open the projector view")
    ask = page.locator("details.close-round summary")
    # The projector button is the filled, primary one; closing is an outline button.
    assert "outline" in (ask.get_attribute("class") or "")
    assert "outline" not in (projector.get_attribute("class") or "")
    ask.click()
    confirm = page.get_by_role("button", name="Yes, close the round")
    expect(confirm).to_be_visible()
    expect(page.locator(".confirm-box")).to_contain_text("0 people have answered so far")
    shoot(page, f"round-close-confirm-{'js' if javascript else 'no-js'}")
    follow(page, confirm.click)
    expect(page.locator(".messages")).to_contain_text("is closed with 0 answers")
    assert not Round.objects.get(pk=open_round.pk).is_open
    if javascript:  # axe runs in the page
        scanner = Scanner()
        scanner.scan(page, "round closed")
        scanner.report(request)


def test_a_phone_on_the_review_page_when_the_round_closes(
    live_server, open_context, cast, open_round
):
    context = open_context(language="en", width=360, height=640, javascript=False)
    page = context.new_page()
    page.goto("/j/")
    page.locator("input[name=code]").fill(services.room_code(open_round))
    follow(page, page.locator("#main form button[type=submit]").click)
    phone = Phone(page, open_round, javascript=False)
    phone.choose_language("en")
    phone.choose_unit(cast.units["South"].pk)
    phone.answer_all_pages()
    services.close_round(round=Round.objects.get(pk=open_round.pk))
    button = page.locator("#main form button.submit-answers")
    response = follow(page, button.click)
    assert response.status == 410
    expect(page.locator("h1")).to_contain_text("closed")
    shoot(page, "phone-round-closed-at-review")


@pytest.mark.parametrize(("locale", "expected"), [("sv-SE", "sv"), ("en-GB", "en")])
def test_the_language_step_picks_the_phones_language(
    live_server, open_context, cast, open_round, locale, expected
):
    """The programme is Danish; the phone reads Swedish (or English) and keeps it."""
    cast.programme.language = "da"
    cast.programme.save(update_fields=["language"])
    context = open_context(language=locale, width=360, height=640)
    page = context.new_page()
    page.goto("/j/")
    assert html_lang(page) == expected
    page.locator("input[name=code]").fill(services.room_code(open_round))
    follow(page, page.locator("#main form button[type=submit]").click)
    assert html_lang(page) == expected
    current = page.locator("#main button[name=language][aria-current=true]")
    expect(current).to_have_attribute("value", expected)
