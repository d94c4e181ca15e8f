"""The demo command builds a realistic programme and can run again."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from programmes.models import Participant, Programme


def run_demo() -> dict:
    out = StringIO()
    call_command("demo", "--json", stdout=out)
    return json.loads(out.getvalue())


def main_programme() -> Programme:
    return Programme.objects.get(template="four_seminars")


@pytest.mark.django_db
def test_demo_builds_a_realistic_programme_and_runs_twice():
    first = run_demo()
    second = run_demo()
    assert Programme.objects.count() == 5  # the main programme and one of each other format
    assert sorted(Programme.objects.values_list("template", flat=True)) == [
        "four_seminars",
        "leadership_chain",
        "leadership_day",
        "regional",
        "three_workshops",
    ]
    programme = main_programme()
    assert programme.seminars.count() == 4
    assert Participant.objects.count() >= 40
    min_size = programme.min_group_size
    sizes = [u.participants.count() for u in programme.units.filter(children__isnull=True)]
    assert any(0 < n < min_size for n in sizes), "some units must be below the minimum"
    assert first["facilitator"] == second["facilitator"]
    for key in (
        "facilitator",
        "manager",
        "programme_url",
        "dashboard_url",
        "projector_url",
        "join_url",
        "seminar_urls",
        "survey_urls",
        "report_pdf_url",
    ):
        assert key in second
    assert len(second["seminar_urls"]) == 4


@pytest.mark.django_db
def test_the_printed_password_logs_in_through_the_form(settings):
    """A laptop (DEBUG on, so MFA_REQUIRED off) logs in with what the demo prints."""
    settings.MFA_REQUIRED = False  # the default with DEBUG on (tests/test_settings.py)
    data = run_demo()
    client = Client()
    credentials = data["facilitator"]
    response = client.post(
        "/accounts/login/", {"login": credentials["username"], "password": credentials["password"]}
    )
    assert response.status_code == 302
    assert client.get(data["programme_url"]).status_code == 200


@pytest.mark.django_db
def test_demo_logins_and_links_work():
    data = run_demo()
    facilitator = Client()
    assert facilitator.login(**data["facilitator"])
    assert facilitator.get(data["programme_url"]).status_code == 200
    for url in data["seminar_urls"]:
        assert facilitator.get(url).status_code == 200
    manager = Client()
    assert manager.login(**data["manager"])
    assert manager.get(data["programme_url"]).status_code == 200
    participant = Client()
    landing = participant.get(data["survey_urls"][0])
    assert participant.get(landing.url).status_code == 200


@pytest.mark.django_db
def test_running_the_demo_again_keeps_its_addresses():
    first = run_demo()
    programme_id = main_programme().pk
    second = run_demo()
    assert main_programme().pk == programme_id
    for key in ("programme_url", "dashboard_url", "projector_url", "join_url", "seminar_urls"):
        assert first[key] == second[key], key
    client = Client()
    assert client.get(first["projector_url"]).status_code == 200  # the wall keeps working
    code_page = client.get(first["join_url"])
    assert code_page.status_code == 302  # the room code still leads to the open round
    # Personal links are issued anew on every run; the old ones stop working, as the
    # command says when it is run without --json.
    old_link = Client().get(first["survey_urls"][0], follow=True)
    assert old_link.status_code == 404
    out = StringIO()
    call_command("demo", stdout=out)
    assert "personal links printed by an earlier run no longer work" in out.getvalue()


@pytest.mark.django_db
def test_the_demo_starts_over_when_its_programme_was_taken_apart():
    run_demo()
    programme = main_programme()
    programme.seminars.filter(number=4).delete()
    data = run_demo()
    assert Programme.objects.count() == 5
    assert main_programme().seminars.count() == 4
    assert data["programme_url"] != f"/programmes/{programme.pk}/"


@pytest.mark.django_db
def test_demo_boards_have_posts_groups_hidden_posts_tags_and_votes():
    from seminars.models import Board, Post, PostGroup, Vote

    data = run_demo()
    facilitator = Client()
    assert facilitator.login(**data["facilitator"])
    assert len(data["board_urls"]) == len(data["wall_urls"]) == 3
    for url in data["board_urls"]:
        assert facilitator.get(url).status_code == 200
    walls = [Client().get(url).content.decode() for url in data["wall_urls"]]
    assert "wall-cards" in walls[0]  # seminar 1: the good examples, revealed
    assert "wall-results" in walls[1]  # seminar 2: the vote's results
    states = set(Post.objects.values_list("state", flat=True))
    assert states == {"visible", "hidden", "review"}
    assert PostGroup.objects.filter(posts__isnull=False).exclude(dimension="").exists()
    assert PostGroup.objects.exclude(title="").count() >= 3  # merged and named
    assert Vote.objects.exists()
    assert Board.objects.filter(phase="ready", kind="wins").exists()
    tables = facilitator.get(data["group_urls"][0]).content.decode()
    assert "Makkerordning for nye" in tables  # seminar 1's tables wrote notes
    manager = Client()
    assert manager.login(**data["manager"])
    seminar_page = manager.get(data["seminar_urls"][0]).content.decode()
    assert "31" in seminar_page and "natholdet skal have en måde" in seminar_page  # themes
    shared = Client().get(data["documentation_urls"][0]).content.decode()
    assert "Makkerordning for nye" in shared and "længere overlap" in shared


@pytest.mark.django_db
def test_the_demo_has_a_programme_of_each_format():
    from seminars.models import GroupWork, LogbookEntry, Post

    data = run_demo()
    formats = {entry["format"]: entry for entry in data["programmes"]}
    assert set(formats) == {
        "four_seminars",
        "three_workshops",
        "leadership_day",
        "leadership_chain",
        "regional",
    }
    facilitator = Client()
    assert facilitator.login(**data["facilitator"])
    for entry in data["programmes"]:
        assert facilitator.get(entry["programme_url"]).status_code == 200
    school = Programme.objects.get(template="three_workshops")
    assert school.language == "sv"
    page = facilitator.get(
        f"/programmes/{school.pk}/seminars/{school.seminars.get(number=2).pk}/"
    ).content.decode()
    assert "Fredagsfika två veckor i rad." in page  # workshop 2 opens with the logbooks
    assert LogbookEntry.objects.count() == 3
    assert Post.objects.filter(board__kind="dilemmas", state="visible").count() == 5
    region = Programme.objects.get(template="regional")
    works = GroupWork.objects.filter(activity__seminar__programme=region)
    morning, afternoon, home = works.order_by("activity__position")
    mixes = [
        {frozenset(g.units.values_list("name", flat=True)) for g in work.groups.all()}
        for work in (morning, afternoon)
    ]
    assert all(len(units) == 2 for mix in mixes for units in mix)  # tables mix municipalities
    assert not mixes[0] & mixes[1]  # and change between the morning and the afternoon
    assert home.groups.count() == region.units.count() == 4
    chain = Programme.objects.get(template="leadership_chain")
    posts = Post.objects.filter(board__activity__seminar__programme=chain, state="visible")
    assert set(posts.values_list("column", flat=True)) == {"works", "hard"}


@pytest.mark.django_db
def test_the_demo_holds_a_seminar_in_two_sessions():
    data = run_demo()
    (session,) = data["sessions"]
    again = run_demo()["sessions"][0]
    assert again["room_code"] == session["room_code"]  # a rerun keeps the night's code
    phone = Client()
    response = phone.get(session["join_url"])
    assert response.status_code in (200, 302)  # the seminar's room, through the night's code


@pytest.mark.django_db
def test_the_demo_has_team_plans_in_every_state_and_managers_see_no_owners():
    from actionplans.models import Action, PlanningRun, TeamPlan

    data = run_demo()
    assert set(Action.objects.values_list("status", flat=True)) == {
        "planned",
        "in_progress",
        "done",
        "stuck",
        "dropped",
    }
    assert TeamPlan.objects.filter(source__isnull=False).count() == 2  # from the vote
    assert PlanningRun.objects.filter(is_open=True).exists()
    facilitator = Client()
    assert facilitator.login(**data["facilitator"])
    assert "2 of 3 actions done" not in facilitator.get(data["plans_url"]).content.decode()
    plan = TeamPlan.objects.order_by("pk").first()
    page = facilitator.get(f"{data['plans_url']}{plan.pk}/").content.decode()
    assert "Birthe" in page and "overdue" in page
    manager = Client()
    assert manager.login(**data["manager"])
    page = manager.get(f"{data['plans_url']}{plan.pk}/").content.decode()
    assert "Birthe" not in page and "Fast overlap" in page
    run_demo()  # again: the plans are made afresh, not doubled
    assert TeamPlan.objects.count() == 2


@pytest.mark.django_db
def test_the_demo_plan_opens_with_its_recovery_code_and_staff_see_counts_only():
    from actionplans.models import PersonalPlan

    data = run_demo()
    phone = Client()
    response = phone.post("/plan/recover/", {"code": data["plan_recovery_code"]})
    assert response.status_code == 302
    page = phone.get(data["personal_plan_url"]).content.decode()
    assert "Jeg vil sige det højt" in page and "Et konkret første skridt." in page
    assert PersonalPlan.objects.filter(kind="schema").count() == 1  # the leadership day
    facilitator = Client()
    assert facilitator.login(**data["facilitator"])
    plans = facilitator.get(data["plans_url"]).content.decode()
    assert "6 personal plans have been made, 2 with a reflection." in plans
    assert "Jeg vil sige det højt" not in plans


@pytest.mark.django_db
def test_the_demo_marks_good_examples_for_the_report():
    from seminars import report

    run_demo()
    programme = Programme.objects.get(template="four_seminars")
    outputs = report.outputs(programme, k=programme.min_group_size)
    assert len(outputs.seminars[0].good_examples) == 2
    assert outputs.seminars[1].improvement_areas  # seminar 2's vote
    assert outputs.seminars[0].themes  # the facilitator's themes, never comments


@pytest.mark.django_db
def test_the_demo_managers_report_downloads_as_a_pdf():
    import io

    from pypdf import PdfReader

    data = run_demo()
    manager = Client()
    assert manager.login(**data["manager"])
    response = manager.get(data["report_pdf_url"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Indhold" in text and "Sådan er tallene lavet" in text  # in Danish
    assert "Birthe" not in text  # owners stay out of the report
