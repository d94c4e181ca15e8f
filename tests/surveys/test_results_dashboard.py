"""The results dashboard and its exports: closed rounds only, suppression everywhere."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from programmes.models import AuditEntry, Unit
from surveys import services
from surveys.models import Event, Round
from tests.factories import answer_round as answer
from tests.factories import closed_round


@pytest.fixture
def two_rounds(cast):
    u = cast.units
    before = closed_round(
        cast.programme, "Before", {u["North Day"]: (3, 6), u["South"]: (2, 7), u["North"]: (3, 2)}
    )
    after = closed_round(
        cast.programme, "After", {u["North Day"]: (5, 6), u["South"]: (4, 7), u["North"]: (3, 2)}
    )
    return before, after


@pytest.mark.django_db
def test_dashboard_shows_before_and_after_with_verdicts(client, cast, two_rounds):
    client.force_login(cast.facilitator)
    html = client.get(reverse("results", args=[cast.programme.pk])).content.decode()
    assert "bars-data" in html and "trend-data" in html
    assert "clear improvement" in html
    assert "n=15" in html  # the whole programme: 6 + 7 + 2


@pytest.mark.django_db
def test_open_rounds_are_not_on_the_dashboard(client, cast, two_rounds):
    live = services.open_round(round=Round.objects.create(programme=cast.programme, title="Live"))
    answer(live, cast.units["South"], 5, 6)
    client.force_login(cast.facilitator)
    html = client.get(reverse("results", args=[cast.programme.pk])).content.decode()
    assert "Live" not in html


@pytest.mark.django_db
def test_unit_below_the_minimum_is_hidden_and_not_recoverable(client, cast, two_rounds):
    """North has 2 own respondents: North (8) minus North Day (6) would reveal them."""
    client.force_login(cast.facilitator)
    url = reverse("results", args=[cast.programme.pk])
    north = client.get(url, {"unit": cast.units["North"].pk}).content.decode()
    day = client.get(url, {"unit": cast.units["North Day"].pk}).content.decode()
    shows_north = "n=8" in north
    shows_day = "n=6" in day
    assert not (shows_north and shows_day), "both nested groups shown: difference of 2 < k"


@pytest.mark.django_db
def test_limited_manager_sees_only_the_subtree(client, cast, two_rounds):
    client.force_login(cast.limited_manager)
    url = reverse("results", args=[cast.programme.pk])
    html = client.get(url).content.decode()
    assert "South" not in html
    assert cast.programme.organisation not in html.split('name="unit"')[1].split("</select>")[0]
    # Asking for a unit outside the subtree falls back to the manager's own unit.
    other = client.get(url, {"unit": cast.units["South"].pk}, HTTP_HX_REQUEST="true")
    assert other.status_code == 200
    assert "South" not in other.content.decode()


@pytest.mark.django_db
def test_htmx_swaps_only_the_results(client, cast, two_rounds):
    client.force_login(cast.facilitator)
    before, after = two_rounds
    response = client.get(
        reverse("results", args=[cast.programme.pk]),
        {"before": after.pk, "after": before.pk, "unit": cast.units["South"].pk},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="results"' in html
    assert "clear decline" in html
    assert response["Vary"] and "HX-Request" in response["Vary"]


@pytest.mark.django_db
@pytest.mark.parametrize("units", [3, 30])
def test_dashboard_query_count_is_constant(client, cast, django_assert_num_queries, units):
    for number in range(units):
        Unit.objects.create(programme=cast.programme, name=f"Team {number}")
    teams = list(cast.programme.units.filter(name__startswith="Team"))
    for title in ("R1", "R2", "R3"):
        closed_round(cast.programme, title, dict.fromkeys(teams[:3], (4, 5)))
    client.force_login(cast.facilitator)
    url = reverse("results", args=[cast.programme.pk])
    with django_assert_num_queries(13):
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_csv_export_keeps_suppression_and_opens_in_danish_excel(client, cast, two_rounds):
    client.force_login(cast.facilitator)
    response = client.get(
        reverse("results_export", args=[cast.programme.pk, "csv"]), HTTP_ACCEPT_LANGUAGE="da"
    )
    assert response.status_code == 200
    body = response.content
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    header, data = rows[0], rows[1:]
    assert len(header) == 11
    for row in data:
        n = row[3]
        assert n == "" or int(n) >= cast.programme.min_group_size
        if row[4]:
            assert "," in row[4] or row[4].isdigit()
    assert any(row[10] for row in data)  # some groups are hidden, and say why
    assert AuditEntry.objects.filter(action="results.export_csv").count() == 1


@pytest.mark.django_db
def test_xlsx_export_for_a_limited_manager(client, cast, two_rounds):
    client.force_login(cast.limited_manager)
    response = client.get(reverse("results_export", args=[cast.programme.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    groups = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert groups <= {"North", "North / North Day"}
    assert all(
        row[3] is None or row[3] >= cast.programme.min_group_size
        for row in sheet.iter_rows(min_row=2, values_only=True)
    )


@pytest.mark.django_db
def test_the_export_and_the_report_follow_the_selection_shown(client, cast, two_rounds):
    client.force_login(cast.facilitator)
    before, after = two_rounds
    third = closed_round(cast.programme, "Third", {cast.units["South"]: (4, 5)})
    url = reverse("results", args=[cast.programme.pk])
    query = {"before": before.pk, "after": third.pk, "unit": ""}
    swapped = client.get(url, query, HTTP_HX_REQUEST="true").content.decode()
    # The download links are inside the swapped part, with the selection they are for.
    for name in ("report_pdf", "results_export"):
        args = [cast.programme.pk] if name == "report_pdf" else [cast.programme.pk, "csv"]
        assert (
            f"{reverse(name, args=args)}?before={before.pk}&amp;after={third.pk}&amp;unit="
            in swapped
        )
    export = reverse("results_export", args=[cast.programme.pk, "csv"])

    def rounds_in(response) -> set[str]:
        rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
        return {row[0] for row in list(rows)[1:]}

    assert rounds_in(client.get(export, query)) == {before.title, third.title}
    assert rounds_in(client.get(export)) == {before.title, after.title, third.title}


@pytest.mark.django_db
def test_unknown_export_format_is_404(client, cast):
    client.force_login(cast.facilitator)
    assert client.get(f"/programmes/{cast.programme.pk}/results/export.pdf").status_code == 404


@pytest.mark.django_db
def test_facilitator_logs_events_on_the_timeline(client, cast, two_rounds):
    client.force_login(cast.facilitator)
    response = client.post(
        reverse("event_add", args=[cast.programme.pk]),
        {"date": "2026-10-01", "text": "New manager in South", "unit": cast.units["South"].pk},
    )
    assert response.status_code == 302
    event = Event.objects.get()
    html = client.get(reverse("results", args=[cast.programme.pk])).content.decode()
    assert "New manager in South" in html
    client.post(
        reverse("event_edit", args=[cast.programme.pk, event.pk]),
        {"date": "2026-10-02", "text": "Reorganisation", "unit": ""},
    )
    event.refresh_from_db()
    assert (event.text, event.unit) == ("Reorganisation", None)
    client.post(reverse("event_delete", args=[cast.programme.pk, event.pk]))
    assert not Event.objects.exists()
    client.force_login(cast.manager)
    response = client.post(
        reverse("event_add", args=[cast.programme.pk]), {"date": "2026-10-01", "text": "x"}
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_manager_pages_hold_no_participant_data(client, cast, two_rounds):
    client.force_login(cast.manager)
    html = client.get(reverse("results", args=[cast.programme.pk])).content.decode()
    export = client.get(reverse("results_export", args=[cast.programme.pk, "csv"])).content
    for participant in cast.programme.participants.all():
        assert participant.name not in html and participant.email not in html
        assert participant.email.encode() not in export
