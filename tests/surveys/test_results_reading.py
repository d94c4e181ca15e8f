"""How results read: hidden figures say why, counts never pass the invited number, the trend
axis is the rounds, formulas never reach a spreadsheet, and a change of less than half a
point reads 0."""

from __future__ import annotations

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from programmes.models import Unit
from programmes.spreadsheet import safe_cell
from surveys import dashboard
from surveys.models import Event, Round
from surveys.results import ResponseRate
from tests.factories import UnitFactory, closed_round


def results_html(client, programme, **params) -> str:
    response = client.get(reverse("results", args=[programme.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def chart(html: str, name: str) -> dict | None:
    marker = f'<script id="{name}" type="application/json">'
    if marker not in html:
        return None
    return json.loads(html.split(marker)[1].split("</script>")[0])


# --- counts never pass the invited number ---------------------------------------------------


def test_more_answers_than_invited_counts_out_of_the_answers():
    rate = ResponseRate(None, "Skovby", -1, invited=7, answered=9)
    assert rate.out_of == 9 and rate.percent == 100 and rate.over_invited
    assert not rate.flagged
    normal = ResponseRate(None, "Skovby", -1, invited=10, answered=5)
    assert normal.out_of == 10 and normal.percent == 50 and normal.flagged
    assert not normal.over_invited


def test_a_headcount_of_zero_gives_no_rate_and_no_error():
    rate = ResponseRate(1, "Night shift", 0, invited=0, answered=6)
    assert rate.rate is None and rate.percent is None
    assert not rate.over_invited  # nobody to compare with: no "check the headcount"


@pytest.mark.django_db
def test_pages_and_exports_never_show_more_than_100_percent(client, cast):
    south = cast.units["South"]
    Unit.objects.filter(pk=south.pk).update(headcount=5)
    r = closed_round(cast.programme, "Baseline", {south: (4, 9)})
    client.force_login(cast.facilitator)

    round_page = client.get(reverse("round_detail", args=[cast.programme.pk, r.pk]))
    assert round_page.status_code == 200
    for html in (round_page.content.decode(), results_html(client, cast.programme)):
        assert "180 %" not in html and "check the headcount" in html
        assert "9 answers, 5 invited" in html

    export = client.get(reverse("results_export", args=[cast.programme.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    column = header.index("Response rate (%)")
    rates = [int(row[column]) for row in rows[1:] if row[column]]
    assert rates and max(rates) <= 100
    assert any("check the headcount" in row[-1] for row in rows[1:] if row[1] == "South")


@pytest.mark.django_db
def test_a_unit_with_a_headcount_of_zero_shows_its_answers(client, cast):
    south = cast.units["South"]
    Unit.objects.filter(pk=south.pk).update(headcount=0)
    r = closed_round(cast.programme, "Baseline", {south: (4, 6)})
    client.force_login(cast.facilitator)
    html = client.get(reverse("round_detail", args=[cast.programme.pk, r.pk])).content.decode()
    assert "no headcount entered" in html


# --- hidden figures say why -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_limited_manager_whose_unit_is_hidden_reads_why(client, cast):
    """North has 6 answers (k = 5), but South's 2 would be the programme minus North."""
    u = cast.units
    closed_round(
        cast.programme,
        "Baseline",
        {u["North Day"]: (3, 4), u["North"]: (4, 2), u["South"]: (4, 2)},
    )
    client.force_login(cast.limited_manager)
    html = results_html(client, cast.programme)
    assert chart(html, "bars-data") is None  # no empty chart
    assert "No figures can be shown for North" in html
    assert "could be worked out by subtracting" in html  # in plain words on the page
    assert "hidden: protects a smaller group" in html
    assert "hidden: under 5 answers" in html  # North Day
    assert "Why are some figures hidden?" in html


@pytest.mark.django_db
def test_complementary_suppression_is_labelled_as_such(client, cast):
    u = cast.units
    # South's 2 are too few; North (6) beside the programme (8) would reveal them.
    closed_round(cast.programme, "Baseline", {u["North Day"]: (3, 6), u["South"]: (4, 2)})
    client.force_login(cast.facilitator)
    html = results_html(client, cast.programme)
    assert "hidden: protects a smaller group" in html
    assert "hidden: under 5 answers" in html


def test_hidden_cells_carry_their_reason():
    from surveys import anonymity

    few = dashboard.cell(anonymity.GroupResult(1, 3, None, anonymity.SUPPRESSED_TOO_FEW), 5)
    other = dashboard.cell(anonymity.GroupResult(2, 9, None, anonymity.SUPPRESSED_COMPLEMENTARY), 5)
    assert not few.shown and "5" in few.label and "5" in few.reason
    assert few.kind == "too_few" and other.kind == "complementary"
    assert "subtract" in other.reason


# --- small things ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(-0.3, "0"), (0.4, "0"), (-0.0, "0"), (0.0, "0"), (2.6, "+3"), (-6.2, "\u22126")],
)
def test_a_change_under_half_a_point_reads_zero(value, text):
    assert dashboard.signed(value) == text


# --- the trend reads right ------------------------------------------------------------------


@pytest.mark.django_db
def test_one_round_gives_a_sentence_not_a_time_axis(client, cast):
    closed_round(cast.programme, "Baseline", {cast.units["South"]: (4, 7)})
    client.force_login(cast.facilitator)
    html = results_html(client, cast.programme)
    assert chart(html, "trend-data") is None
    assert "A trend needs figures from two rounds or more" in html
    assert "23:59" not in html and "00:00:00" not in html


@pytest.mark.django_db
def test_rounds_are_categories_with_dates_in_the_page_language(client, cast):
    south = cast.units["South"]
    first = closed_round(cast.programme, "Baseline", {south: (3, 7)})
    second = closed_round(cast.programme, "Follow-up", {south: (4, 7)})
    third = closed_round(cast.programme, "Final", {south: (4, 7)})
    days = [datetime.date(2026, 3, 2), datetime.date(2026, 6, 1), datetime.date(2026, 9, 14)]
    for r, day in zip((first, second, third), days, strict=True):
        Round.objects.filter(pk=r.pk).update(
            closes_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59)))
        )
    Event.objects.create(programme=cast.programme, date=datetime.date(2026, 4, 15), text="New")
    Event.objects.create(programme=cast.programme, date=days[2], text="Same day")
    client.force_login(cast.facilitator)
    figure = chart(
        client.get(
            reverse("results", args=[cast.programme.pk]), HTTP_ACCEPT_LANGUAGE="da"
        ).content.decode(),
        "trend-data",
    )
    assert figure["layout"]["xaxis"]["type"] == "category"
    labels = figure["data"][0]["x"]
    assert labels == ["Baseline (02.03.2026)", "Follow-up (01.06.2026)", "Final (14.09.2026)"]
    positions = sorted(shape["x0"] for shape in figure["layout"]["shapes"])
    assert positions == [0.5, 2.0]  # between the first two rounds, and on the third


def test_events_before_the_first_and_after_the_last_round_sit_outside_them():
    rounds = [Round(title="A"), Round(title="B")]
    days = [datetime.date(2026, 3, 1), datetime.date(2026, 6, 1)]
    for r, day in zip(rounds, days, strict=True):
        r.closes_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    events = [Event(date=datetime.date(2026, 1, 1)), Event(date=datetime.date(2026, 12, 1))]
    assert dashboard.event_positions(rounds, events) == [-0.5, 1.5]


def test_equal_round_titles_stay_apart_on_the_axis():
    day = timezone.make_aware(datetime.datetime(2026, 3, 1, 12))
    rounds = [Round(title="Pulse", closes_at=day), Round(title="Pulse", closes_at=day)]
    labels = dashboard.round_labels(rounds)
    assert len(set(labels)) == 2


# --- formulas never reach a spreadsheet -----------------------------------------------------

FORMULAS = ["=1+2", "+A1", "-2", "@SUM(A1)", "\tTab", "\rReturn"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_text_is_escaped(text):
    assert safe_cell(text) == "'" + text
    assert safe_cell(-2.5) == -2.5 and safe_cell(None) is None and safe_cell("Nord") == "Nord"


@pytest.mark.django_db
def test_units_named_like_formulas_are_escaped_in_csv_and_xlsx(client, cast):
    answers = {}
    for text in FORMULAS:
        answers[UnitFactory(programme=cast.programme, name=text)] = (4, 5)
    closed_round(cast.programme, "Baseline", answers)
    client.force_login(cast.facilitator)
    export = client.get(reverse("results_export", args=[cast.programme.pk, "csv"]))
    text = io.StringIO(export.content.decode("utf-8-sig"), newline="")
    rows = list(csv.reader(text, delimiter=";"))
    groups = {row[1] for row in rows[1:]}
    for text in FORMULAS:
        assert "'" + text in groups
        assert text not in groups
    workbook = client.get(reverse("results_export", args=[cast.programme.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert not any(c.data_type == "f" for c in cells)
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    for text in FORMULAS:  # an XML parser may read a carriage return back as a line feed
        assert {"'" + text, "'" + text.replace("\r", "\n")} & names
