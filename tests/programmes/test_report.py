"""The manager's PDF report, read back with pypdf: the dashboard's numbers for the same access
and selection, nothing hidden or private, a limited manager's subtree only, and a tagged PDF
with its language and title."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from actionplans import services as plans
from programmes.access import get_programme_access
from surveys import dashboard
from tests.seminars.test_documentation import documented  # noqa: F401 (a fixture)
from tests.surveys.test_results_dashboard import two_rounds  # noqa: F401 (a fixture)


def pdf(client: Client, cast, query: str = "") -> tuple[str, PdfReader]:
    response = client.get(reverse("report_pdf", args=[cast.programme.pk]) + query)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), reader


def staff(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_report_has_the_dashboards_numbers_and_is_tagged(cast, two_rounds):  # noqa: F811
    text, reader = pdf(staff(cast.manager), cast)
    access = get_programme_access(cast.manager, cast.programme.pk)
    shown = dashboard.build(access, dashboard.Selection(), language="en")
    index = shown.changes[0]
    assert f"{index.after.mean:.0f} (n={index.after.n};" in text
    assert index.change_text.replace("\u2212", "−") in text.replace("\u2212", "−")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert "Progress report" in reader.metadata.title
    assert reader.outline  # bookmarks from the headings


@pytest.mark.django_db
def test_nothing_private_reaches_the_report(cast, two_rounds):  # noqa: F811
    participant = cast.programme.participants.first()
    participant.name, participant.email = "Gitte Privatsen", "gitte@example.org"
    participant.save(update_fields=["name", "email"])
    plan = plans.create_plan(request=None, programme=cast.programme, title="Overlap")
    plans.add_action(request=None, plan=plan, text="Fast overlap", owner="Owner Ownersen")
    text, _reader = pdf(staff(cast.facilitator), cast)
    assert "Fast overlap" in text
    for never in ("Gitte", "gitte@example.org", "Owner Ownersen"):
        assert never not in text, never


@pytest.mark.django_db
def test_a_limited_manager_gets_their_subtree_only(cast, two_rounds):  # noqa: F811
    text, _reader = pdf(staff(cast.limited_manager), cast)
    assert "North Day" in text and "South" not in text
    assert "For North and the units below it." in text


@pytest.mark.django_db
def test_the_version_for_publication_has_no_unit_names(cast, two_rounds):  # noqa: F811
    text, _reader = pdf(staff(cast.manager), cast, "?version=publication")
    for unit in ("North Day", "South"):
        assert unit not in text, unit
    assert "version for publication" in text.lower()
    limited = staff(cast.limited_manager).get(
        reverse("report_pdf", args=[cast.programme.pk]) + "?version=publication"
    )
    assert limited.status_code == 403  # programme-level figures are not theirs to see


@pytest.mark.django_db
def test_no_closed_round_gives_a_clear_page_not_an_empty_pdf(cast):
    response = staff(cast.manager).get(reverse("report_pdf", args=[cast.programme.pk]))
    assert response.status_code == 409
    assert "No report yet" in response.content.decode()
    assert (
        staff(cast.outsider).get(reverse("report_pdf", args=[cast.programme.pk])).status_code == 404
    )


def test_the_charts_are_plain_svg_with_every_label_as_text():
    from surveys import svg

    labels = ["Indeks for social kapital", "Tillid", "Retfærdighed", "Samarbejde"]
    series = [
        {"name": "Før", "values": [{"mean": 60, "ci_low": 55, "ci_high": 65, "n": 30}] * 4},
        {
            "name": "Efter <b>",
            "values": [None, *[{"mean": 70, "ci_low": 64, "ci_high": 76, "n": 31}] * 3],
        },
    ]
    bars = svg.before_after_svg(labels, series)
    for label in labels:
        assert f">{label}</text>" in bars
    assert "Efter &lt;b&gt;" in bars and "<b>" not in bars  # names are escaped
    assert "<script" not in bars and "href" not in bars and "<image" not in bars
    assert svg.before_after_svg(labels, series) == bars  # the same bytes every time
    trend = svg.trend_svg(
        ["Runde 1 (1.3.2026)", "Runde 2 (1.9.2026)"],
        [{"name": "Tillid", "values": [60, 66]}],
        [{"position": 0.5, "text": "Ny leder"}],
    )
    assert ">Ny leder</text>" in trend and ">Tillid</text>" in trend


@pytest.mark.django_db
def test_the_report_draws_the_bars_from_the_same_figures(cast, two_rounds):  # noqa: F811
    import base64

    from programmes import report

    access = get_programme_access(cast.manager, cast.programme.pk)
    made = report.build(access, report.selection_from({}))
    bars = base64.b64decode(made.charts["bars"].split(",", 1)[1]).decode()
    index = made.results.changes[0]
    assert f"n={index.after.n}" in bars and f"n={index.before.n}" in bars
    text, _reader = pdf(staff(cast.manager), cast)
    assert text.count(f"n={index.after.n}") >= 2  # in the chart and in its table


@pytest.mark.django_db
def test_a_user_gets_six_reports_a_minute_then_a_429(cast, monkeypatch):
    import time

    now = time.time()
    monkeypatch.setattr("programmes.ratelimit.time.time", lambda: now)  # one window throughout
    client = staff(cast.manager)
    url = reverse("report_pdf", args=[cast.programme.pk])
    statuses = [client.get(url).status_code for _ in range(7)]
    assert statuses == [409] * 6 + [429]  # no round closed: cheap answers, still counted
    assert staff(cast.facilitator).get(url).status_code == 409  # another user: their own count


def hidden_group_case(cast, k: int) -> str:
    """South answers 6 x 4 (75 points); North Day 3 answers of 2, 3, 2 (33 points) in two
    rounds. With k = 5 North Day is hidden; with k = 3 its 33 is shown."""
    from programmes.models import Programme
    from surveys import services
    from surveys.models import Round
    from tests.factories import answer_round

    Programme.objects.filter(pk=cast.programme.pk).update(min_group_size=k)
    services.get_or_create_setup(programme=cast.programme)
    for title in ("Before", "After"):
        made = services.open_round(
            round=Round.objects.create(programme=cast.programme, title=title)
        )
        answer_round(made, cast.units["South"], 4, 6)
        for value in (2, 3, 2):
            answer_round(made, cast.units["North Day"], value, 1)
        services.close_round(round=made)
    text, _reader = pdf(staff(cast.facilitator), cast)
    return text


@pytest.mark.django_db
def test_no_figure_of_a_hidden_group_reaches_the_report(cast):
    text = hidden_group_case(cast, k=5)
    assert "North Day" in text  # the unit is named, with the reason, not a figure
    assert " 33 " not in f" {text} " and "33.3" not in text and "33," not in text


@pytest.mark.django_db
def test_the_hidden_group_check_would_see_a_leak(cast):
    """The same data with k = 3: the group's 33 is shown, so the test above can fail."""
    assert " 33 " in f" {hidden_group_case(cast, k=3)} "


@pytest.mark.django_db
def test_no_comment_post_or_link_token_reaches_the_report(cast, two_rounds, documented):  # noqa: F811
    from programmes import services

    participant = cast.programme.participants.first()
    token = services.issue_links(participants=[participant])[0].path.strip("/").split("/")[-1]
    text, _reader = pdf(staff(cast.manager), cast)
    assert "From the seminars" in text and "More time for the tables" in text  # a theme
    for never in (token, "Secret 1", "Æbler og pærer", "Hidden complaint", "Held for review"):
        assert never not in text, never
