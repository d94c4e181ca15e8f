"""Trial periods in the three-workshop format: tasks per working group, a logbook through a
group link without an account, and the next run-sheet opening with both."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from programmes.services import create_programme
from seminars.models import GroupWork, LogbookEntry, WorkGroup


@pytest.fixture
def workshops(cast):
    programme = create_programme(
        workspace=cast.programme.workspace,
        organisation="Skolen",
        title="Tre workshops",
        language="en",
        template="three_workshops",
    )
    work = GroupWork.objects.get(
        activity__seminar__programme=programme, activity__seminar__number=1
    )
    group = WorkGroup.objects.create(
        work=work,
        name="Year 7 team",
        notes={"Try this before next time": "Walk-and-talk on Fridays"},
    )
    return programme, work, group


def staff(cast) -> Client:
    client = Client()
    client.force_login(cast.facilitator)
    return client


def issue_link(client: Client, programme, work, group) -> str:
    activity = work.activity
    url = reverse(
        "group_logbook_link", args=[programme.pk, activity.seminar_id, activity.pk, group.pk]
    )
    assert client.post(url).status_code == 302
    page = client.get(
        reverse("group_control", args=[programme.pk, activity.seminar_id, activity.pk])
    ).content.decode()
    return re.search(r'href="http://testserver(/l/[^"]+/)"', page).group(1)


@pytest.mark.django_db
def test_the_three_workshop_format_ends_each_workshop_with_trial_tasks(workshops):
    programme, work, _group = workshops
    assert work.trial_period
    assert work.headings == ["Try this before next time"]
    trials = GroupWork.objects.filter(activity__seminar__programme=programme, trial_period=True)
    assert sorted(w.activity.seminar.number for w in trials) == [1, 2]


@pytest.mark.django_db
def test_a_working_group_keeps_its_logbook_through_its_link(cast, workshops):
    programme, work, group = workshops
    link = issue_link(staff(cast), programme, work, group)
    phone = Client()
    page = phone.get(link)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"  # forms here must send their Origin
    assert "Walk-and-talk on Fridays" in page.content.decode()
    form = {"key": str(uuid.uuid4()), "tried": "<b>Two walks</b>", "happened": "Calmer Mondays"}
    for _tap in range(2):
        assert phone.post(link, form).status_code == 302
    assert LogbookEntry.objects.count() == 1
    page = phone.get(link).content.decode()
    assert "&lt;b&gt;Two walks&lt;/b&gt;" in page and "<b>Two walks</b>" not in page
    assert phone.post(link, {"key": str(uuid.uuid4()), "tried": ""}).status_code == 422
    too_long = {"key": str(uuid.uuid4()), "tried": "x" * 2001}
    assert phone.post(link, too_long).status_code == 422
    assert LogbookEntry.objects.count() == 1


@pytest.mark.django_db
def test_a_new_link_voids_the_old_and_unknown_links_lead_nowhere(cast, workshops):
    programme, work, group = workshops
    client = staff(cast)
    old = issue_link(client, programme, work, group)
    new = issue_link(client, programme, work, group)
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    assert Client().get(reverse("logbook", args=["nonsense"])).status_code == 404


@pytest.mark.django_db
def test_the_next_run_sheet_opens_with_tasks_and_logbook(cast, workshops):
    programme, _work, group = workshops
    LogbookEntry.objects.create(
        group=group, key=uuid.uuid4(), tried="Two walks", happened="Calmer Mondays"
    )
    page = (
        staff(cast)
        .get(reverse("seminar_detail", args=[programme.pk, programme.seminars.get(number=2).pk]))
        .content.decode()
    )
    assert "From the trial period after" in page
    for text in ("Year 7 team", "Walk-and-talk on Fridays", "Two walks", "Calmer Mondays"):
        assert text in page
    first = (
        staff(cast)
        .get(reverse("seminar_detail", args=[programme.pk, programme.seminars.get(number=1).pk]))
        .content.decode()
    )
    assert "From the trial period" not in first


@pytest.mark.django_db
def test_the_leadership_chain_day_runs_its_boards_and_group_work(cast):
    from seminars.models import Board

    programme = create_programme(
        workspace=cast.programme.workspace,
        organisation="Skovby",
        title="Ledelseskæden",
        language="en",
        template="leadership_chain",
    )
    day = programme.seminars.get()
    kinds = set(Board.objects.filter(activity__seminar=day).values_list("kind", "voting"))
    assert kinds == {("now_picture", False), ("improvement_areas", True), ("dilemmas", True)}
    headings = [
        work.headings
        for work in GroupWork.objects.filter(activity__seminar=day).order_by("activity__position")
    ]
    assert headings == [
        ["What we see from our level", "What we need from the other levels"],
        ["We agree to", "Who takes it on", "By when"],
    ]
    assert day.activities.filter(kind="evaluation").get().evaluation is not None
    assert len(day.room_code) == 6
