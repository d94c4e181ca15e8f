"""Team action plans: from a voted improvement area to a plan, edited by facilitators and
by scribes' phones through the room, followed up, rated, and shown to managers without
owner names."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from actionplans import overview, services
from actionplans.models import Action, DifferenceRating, PlanningRun, ProgressUpdate, TeamPlan
from programmes.access import ProgrammeAccess
from programmes.models import AuditEntry
from seminars.models import Activity, Board, Post, Seat
from tests.seminars.test_boards import item_of, set_phase, vote, write

OWNER = "Karin Holm"
SECRET_NOTE = "Vikardækning aftalt med HR"


def staff(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def voted(cast):
    """Seminar 2's improvement areas, written, tagged and voted on: two items."""
    board = Board.objects.get(activity__seminar__programme=cast.programme, kind="improvement_areas")
    set_phase(board, "collect", voting=True)
    phone = Client()
    assert (
        phone.post(reverse("join"), {"code": board.activity.seminar.room_code}).status_code == 302
    )
    write(phone, board, "Vi får for sent besked om vagtændringer")
    write(phone, board, "Nye kolleger bliver ikke introduceret")
    set_phase(board, "vote")
    vote(phone, board, f"{item_of('Vi får for sent besked om vagtændringer')}:2")
    set_phase(board, "results")
    item = Post.objects.get(text__startswith="Vi får").group
    item.dimension = "collaboration"
    item.save(update_fields=["dimension"])
    return board, item


@pytest.fixture
def plan(cast):
    plan = services.create_plan(
        request=None,
        programme=cast.programme,
        title="Bedre overlap",
        unit=cast.units["South"],
        seminar=cast.programme.seminars.get(number=2),
    )
    services.add_action(request=None, plan=plan, text="Fast overlap kl. 15", owner=OWNER)
    return plan


def detail(cast, plan) -> str:
    return reverse("plan_detail", args=[cast.programme.pk, plan.pk])


def row_data(action: Action, **changes) -> dict:
    prefix = f"a{action.pk}-"
    data = {
        "version": action.version,
        "text": action.text,
        "owner": action.owner,
        "due": action.due.isoformat() if action.due else "",
        "status": action.status,
        **changes,
    }
    return {prefix + key: value for key, value in data.items()}


# --- From the vote to a plan ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_voted_improvement_area_becomes_a_plan_with_one_click_and_keeps_its_link(cast, voted):
    board, item = voted
    client = staff(cast.facilitator)
    url = reverse("plan_from_item", args=[cast.programme.pk, item.pk])
    response = client.post(url)
    assert response.status_code == 302
    plan = TeamPlan.objects.get()
    assert (plan.source, plan.seminar, plan.focus) == (
        item,
        board.activity.seminar,
        "collaboration",
    )
    assert plan.title == "Vi får for sent besked om vagtændringer"
    assert client.post(url).url == response.url  # a second click finds the same plan
    assert TeamPlan.objects.count() == 1
    page = client.get(response.url).content.decode()
    assert "(2 dots)" in page  # the chain: improvement area, its votes, the plan
    control = reverse(
        "board_control", args=[cast.programme.pk, board.activity.seminar_id, board.activity_id]
    )
    assert url in client.get(control).content.decode()  # the button on the results


@pytest.mark.django_db
def test_only_this_programmes_improvement_areas_become_plans(cast, voted):
    _board, item = voted
    good = Board.objects.get(activity__seminar__programme=cast.programme, kind="good_examples")
    set_phase(good, "collect")
    phone = Client()
    phone.post(reverse("join"), {"code": good.activity.seminar.room_code})
    write(phone, good, "Et godt eksempel")
    other = staff(cast.outsider)
    assert (
        other.post(reverse("plan_from_item", args=[cast.programme.pk, item.pk])).status_code == 404
    )
    own = staff(cast.facilitator)
    not_an_area = reverse("plan_from_item", args=[cast.programme.pk, item_of("Et godt eksempel")])
    assert own.post(not_an_area).status_code == 404
    assert not TeamPlan.objects.exists()


# --- Editing: versions, bad input, audit ------------------------------------------------------


@pytest.mark.django_db
def test_a_stale_plan_save_shows_both_texts_and_loses_nothing(cast, plan):
    first, second = staff(cast.facilitator), staff(cast.colleague)
    base = {"title": plan.title, "focus": "trust", "success_sign": "", "version": plan.version}
    assert first.post(detail(cast, plan), {**base, "goal": "Første mål"}).status_code == 302
    response = second.post(detail(cast, plan), {**base, "goal": "Andet mål"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Første mål" in page and "Andet mål" in page
    plan.refresh_from_db()
    assert (plan.goal, plan.version) == ("Første mål", 1)


@pytest.mark.django_db
def test_audit_rows_name_fields_never_text(cast, plan):
    client = staff(cast.facilitator)
    data = {"title": plan.title, "focus": "", "goal": SECRET_NOTE, "success_sign": "", "version": 0}
    assert client.post(detail(cast, plan), data).status_code == 302
    action = plan.actions.get()
    url = reverse("action_edit", args=[cast.programme.pk, plan.pk, action.pk])
    assert client.post(url, row_data(action, owner="Ny ejer")).status_code == 302
    rows = AuditEntry.objects.filter(action__in=["plan.edit", "action.edit"])
    assert rows.count() == 2
    for row in rows.values():
        assert SECRET_NOTE not in str(row) and "Ny ejer" not in str(row)
    assert sorted(rows.values_list("action", flat=True)) == ["action.edit", "plan.edit"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("due", "text"),
    [
        ("2001-01-01", "Ryd op"),  # in the past
        ("next tuesday", "Ryd op"),  # unparseable
        ("", "x" * 10_000),  # 10 kB
        ("", ""),  # empty
    ],
)
def test_bad_actions_get_a_message_and_store_nothing(cast, plan, due, text):
    client = staff(cast.facilitator)
    url = reverse("action_add", args=[cast.programme.pk, plan.pk])
    data = {"new-text": text, "new-owner": "", "new-due": due, "new-status": "planned"}
    response = client.post(url, data)
    assert response.status_code == 422
    assert 'class="errorlist' in response.content.decode() or "error" in response.content.decode()
    assert plan.actions.count() == 1


@pytest.mark.django_db
def test_an_action_saves_in_place_with_htmx_and_a_stale_save_shows_both(cast, plan):
    action = plan.actions.get()
    url = reverse("action_edit", args=[cast.programme.pk, plan.pk, action.pk])
    first, second = staff(cast.facilitator), staff(cast.colleague)
    due = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    response = first.post(
        url, row_data(action, status="in_progress", due=due), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    row = response.content.decode()
    assert row.lstrip().startswith("<li") and "<html" not in row  # the row alone
    assert "In progress" in row
    response = second.post(url, row_data(action, text="Overlap kl. 14"), HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert "Overlap kl. 14" in response.content.decode()  # theirs, kept on screen
    action.refresh_from_db()
    assert (action.text, action.status, action.version) == ("Fast overlap kl. 15", "in_progress", 1)


# --- Managers: no owners, their subtree -----------------------------------------------------


@pytest.mark.django_db
def test_managers_read_plans_without_owner_names(cast, plan):
    north = services.create_plan(
        request=None, programme=cast.programme, title="Nordens plan", unit=cast.units["North"]
    )
    services.add_action(request=None, plan=north, text="Morgenmøde", owner="Per Nord")
    facilitator = staff(cast.facilitator).get(reverse("plans", args=[cast.programme.pk]))
    assert "Bedre overlap" in facilitator.content.decode()
    assert OWNER in staff(cast.facilitator).get(detail(cast, plan)).content.decode()
    manager = staff(cast.manager)
    for url in (
        reverse("plans", args=[cast.programme.pk]),
        detail(cast, plan),
        detail(cast, north),
    ):
        page = manager.get(url).content.decode()
        assert OWNER not in page and "Per Nord" not in page
    assert "Fast overlap kl. 15" in manager.get(detail(cast, plan)).content.decode()
    limited = staff(cast.limited_manager)  # North's subtree only
    assert limited.get(detail(cast, north)).status_code == 200
    assert limited.get(detail(cast, plan)).status_code == 404
    assert (
        "Bedre overlap"
        not in limited.get(reverse("plans", args=[cast.programme.pk])).content.decode()
    )
    assert manager.post(detail(cast, plan), {"title": "X", "version": 0}).status_code == 404
    assert staff(cast.outsider).get(detail(cast, plan)).status_code == 404


# --- Follow-up, overdue, difference, wins ---------------------------------------------------


@pytest.mark.django_db
def test_follow_up_records_status_and_note_once_per_form(cast, plan):
    action = plan.actions.get()
    url = reverse("action_follow_up", args=[cast.programme.pk, plan.pk, action.pk])
    data = {"key": str(uuid.uuid4()), "status": "done", "note": "Det virker"}
    client = staff(cast.facilitator)
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # a double tap
    assert ProgressUpdate.objects.count() == 1
    action.refresh_from_db()
    assert action.status == "done" and action.done_at is not None
    assert "Det virker" in client.get(detail(cast, plan)).content.decode()


@pytest.mark.django_db
def test_an_open_action_past_its_date_is_flagged_overdue(cast, plan):
    action = plan.actions.get()
    Action.objects.filter(pk=action.pk).update(
        due=timezone.localdate() - datetime.timedelta(days=1)
    )
    card = overview.plan_card(plan, owners=False, k=5)
    assert card.overdue == 1 and card.rows[0].overdue
    Action.objects.filter(pk=action.pk).update(status="done")
    assert overview.plan_card(plan, owners=False, k=5).overdue == 0


def test_did_it_make_a_difference_shows_from_k_in_steps_of_k():
    assert overview.difference([5, 4, 3, 4], 5) == overview.Difference(0, None)
    assert overview.difference([5, 4, 3, 4, 4], 5) == overview.Difference(5, 4.0)
    six = overview.difference([5, 4, 3, 4, 4, 1], 5)
    assert six == overview.Difference(5, 4.0)  # the sixth waits for four more


@pytest.mark.django_db
def test_a_done_action_goes_to_the_wins_board_once(cast, plan):
    action = plan.actions.get()
    client = staff(cast.facilitator)
    url = reverse("action_win", args=[cast.programme.pk, plan.pk, action.pk])
    assert client.post(url).status_code == 409  # not done yet
    Action.objects.filter(pk=action.pk).update(status="done")
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    wins = Post.objects.filter(board__kind="wins")
    assert list(wins.values_list("text", "state")) == [("Fast overlap kl. 15", "visible")]


# --- Phones in the room ---------------------------------------------------------------------


def open_planning(cast, number: int, kind: str) -> PlanningRun:
    activity = Activity.objects.get(
        seminar__programme=cast.programme, seminar__number=number, kind=kind
    )
    client = staff(cast.facilitator)
    url = reverse("planning_open", args=[cast.programme.pk, activity.seminar_id, activity.pk])
    assert client.post(url, {"open": "1"}).status_code == 302
    return PlanningRun.objects.get(activity=activity)


def room_phone(seminar) -> Client:
    phone = Client()
    response = phone.post(reverse("join"), {"code": seminar.room_code})
    assert response.status_code in (200, 302)
    return phone


@pytest.mark.django_db
def test_two_scribes_on_one_action_lose_nothing(cast, plan):
    run = open_planning(cast, 2, "planning")
    seminar = run.activity.seminar
    one, two = room_phone(seminar), room_phone(seminar)
    assert one.get(reverse("phone_plans", args=[run.pk])).status_code == 200
    action = plan.actions.get()
    url = reverse("phone_action", args=[run.pk, action.pk])
    assert one.post(url, row_data(action, owner="Ali")).status_code == 302
    response = two.post(url, row_data(action, owner="Bo"))  # started from the same version
    assert response.status_code == 409
    assert "Someone else saved this action" in response.content.decode()
    action.refresh_from_db()
    assert action.owner == "Ali"
    add = reverse("phone_add_action", args=[run.pk, plan.pk])
    assert two.post(add, {"new-text": "Tjekliste", "new-status": "planned"}).status_code == 302
    assert list(plan.actions.values_list("text", flat=True)) == ["Fast overlap kl. 15", "Tjekliste"]


@pytest.mark.django_db
def test_phones_reach_plans_only_through_an_open_room(cast, plan):
    run = open_planning(cast, 2, "planning")
    activity = run.activity
    phone = room_phone(activity.seminar)  # a seat while the plans are open
    PlanningRun.objects.filter(pk=run.pk).update(is_open=False)
    assert phone.get(reverse("phone_plans", args=[run.pk])).status_code == 404  # closed
    run = open_planning(cast, 2, "planning")
    assert Client().get(reverse("phone_plans", args=[run.pk])).status_code == 404  # no seat
    page = room_phone(activity.seminar).get(reverse("phone_plans", args=[run.pk]))
    assert page.status_code == 200 and "Bedre overlap" in page.content.decode()
    activity.seminar.ended_at = timezone.now()
    activity.seminar.save(update_fields=["ended_at"])
    action = plan.actions.get()
    response = phone.post(
        reverse("phone_action", args=[run.pk, action.pk]), row_data(action, owner="X")
    )
    assert response.status_code == 410
    action.refresh_from_db()
    assert action.owner == OWNER


@pytest.mark.django_db
def test_the_follow_up_carries_open_actions_forward_and_phones_rate_done_ones(cast, plan):
    done = services.add_action(request=None, plan=plan, text="Introduktionsmappe", status="done")
    run = open_planning(cast, 3, "follow_up")
    seminar = run.activity.seminar
    phones = [room_phone(seminar) for _ in range(6)]
    page = phones[0].get(reverse("phone_plans", args=[run.pk])).content.decode()
    assert "Fast overlap kl. 15" in page and "Introduktionsmappe" in page
    url = reverse("phone_difference", args=[run.pk, done.pk])
    for phone, value in zip(phones, [5, 4, 4, 3, 4, 1], strict=True):
        assert phone.post(url, {"value": value}).status_code == 302
    assert phones[0].post(url, {"value": 1}).status_code == 302  # a second answer is refused
    assert DifferenceRating.objects.filter(action=done).count() == 6
    open_one = plan.actions.get(text="Fast overlap kl. 15")
    assert (
        phones[1]
        .post(reverse("phone_difference", args=[run.pk, open_one.pk]), {"value": 3})
        .status_code
        == 422
    )
    note = reverse("phone_follow_up", args=[run.pk, open_one.pk])
    data = {"key": str(uuid.uuid4()), "status": "stuck", "note": "Mangler vikarer"}
    assert phones[2].post(note, data).status_code == 302
    card = overview.plan_card(TeamPlan.objects.get(pk=plan.pk), owners=False, k=5)
    rows = {row.text: row for row in card.rows}
    assert rows["Introduktionsmappe"].difference == overview.Difference(5, 4.0)
    assert rows["Fast overlap kl. 15"].status == "stuck"
    assert rows["Fast overlap kl. 15"].updates[0].note == "Mangler vikarer"
    assert Seat.objects.filter(seminar=seminar).count() == 6


@pytest.mark.django_db
def test_the_overview_counts_for_every_audience_from_one_function(cast, plan):
    services.add_action(request=None, plan=plan, text="Done one", status="done")
    summary = overview.overview(ProgrammeAccess(cast.programme, "manager"))
    assert summary.actions == 2 and summary.totals["done"] == 1 and summary.totals["planned"] == 1
    assert all(row.owner == "" for card in summary.cards for row in card.rows)
    facilitator = overview.overview(ProgrammeAccess(cast.programme, "facilitator"))
    assert OWNER in [row.owner for card in facilitator.cards for row in card.rows]


@pytest.mark.django_db
def test_a_personal_plan_row_sends_phones_in_the_room_to_their_own_plan(cast):
    run = open_planning(cast, 2, "personal_plan")
    phone = Client()
    response = phone.post(reverse("join"), {"code": run.activity.seminar.room_code})
    assert response.status_code == 302 and response.url == reverse("plan_home")
    page = phone.get(response.url)
    assert page.status_code == 200
    assert reverse("plan_start") in page.content.decode()  # this room's programme: start one
    PlanningRun.objects.filter(pk=run.pk).update(is_open=False)
    assert (
        Client().post(reverse("join"), {"code": run.activity.seminar.room_code}).status_code == 404
    )


@pytest.mark.django_db
def test_staff_see_personal_plan_counts_only_and_units_from_k(cast):
    from actionplans import personal

    south, north = cast.units["South"], cast.units["North"]
    for n in range(6):
        personal.write_plan(
            programme=cast.programme,
            unit=south,
            fields={"goal": f"Mit hemmelige mål {n}"},
            reflections=({"went": "4", "learned": "Lærte noget"},) if n < 2 else (),
        )
    for _n in range(5):
        personal.write_plan(programme=cast.programme, unit=north, fields={"goal": "Nordmål"})
    for user in (cast.facilitator, cast.manager):
        page = staff(user).get(reverse("plans", args=[cast.programme.pk])).content.decode()
        assert "11 personal plans have been made, 2 with a reflection." in page
        assert "South: 6" in page and "North: 5" in page
        assert "hemmelige" not in page and "Nordmål" not in page and "Lærte" not in page
    limited = staff(cast.limited_manager).get(reverse("plans", args=[cast.programme.pk]))
    page = limited.content.decode()
    assert "North: 5" in page and "South: 6" not in page  # only North's subtree


@pytest.mark.django_db
def test_a_scribes_change_from_the_room_is_audited_by_role_and_field_names(cast, plan):
    run = open_planning(cast, 2, "planning")
    phone = room_phone(run.activity.seminar)
    action = plan.actions.get()
    url = reverse("phone_action", args=[run.pk, action.pk])
    assert phone.post(url, row_data(action, owner="Sanne Bæk")).status_code == 302
    entry = AuditEntry.objects.get(action="action.edit")
    assert (entry.role, entry.actor) == ("room", "")
    assert "owner" in str(entry.details) and "Sanne" not in str(entry.details)


@pytest.mark.django_db
def test_the_plans_export_has_owners_for_facilitators_only(cast, plan):
    url = reverse("plans_export", args=[cast.programme.pk])
    facilitator = staff(cast.facilitator).get(url)
    assert facilitator.status_code == 200
    assert facilitator["Content-Type"].startswith("text/csv")
    text = facilitator.content.decode("utf-8-sig")
    assert OWNER in text and "Fast overlap kl. 15" in text
    manager = staff(cast.manager).get(url).content.decode("utf-8-sig")
    assert OWNER not in manager and "Fast overlap kl. 15" in manager
    assert "Who" not in manager.splitlines()[0]
    assert staff(cast.outsider).get(url).status_code == 404


@pytest.mark.django_db
def test_an_empty_goal_is_refused_with_a_message(cast, plan):
    data = {"title": plan.title, "focus": "", "goal": "  ", "success_sign": "", "version": 0}
    response = staff(cast.facilitator).post(detail(cast, plan), data)
    assert response.status_code == 422
    assert "Write the plan&#x27;s goal" in response.content.decode()
    plan.refresh_from_db()
    assert plan.version == 0


@pytest.mark.django_db
def test_an_archived_programmes_plans_are_read_not_changed(cast, plan):
    cast.programme.status = "archived"
    cast.programme.save(update_fields=["status"])
    client = staff(cast.facilitator)
    data = {"title": "X", "focus": "", "goal": "Y", "success_sign": "", "version": 0}
    assert client.post(detail(cast, plan), data).status_code == 410
    action = plan.actions.get()
    url = reverse("action_edit", args=[cast.programme.pk, plan.pk, action.pk])
    assert client.post(url, row_data(action, owner="Z")).status_code == 410
    assert client.get(detail(cast, plan)).status_code == 200
    plan.refresh_from_db()
    action.refresh_from_db()
    assert (plan.title, action.owner) == ("Bedre overlap", OWNER)


@pytest.mark.django_db
def test_a_plan_can_belong_to_a_group_that_mixes_units(cast):
    from seminars.models import GroupWork, WorkGroup

    work = GroupWork.objects.filter(activity__seminar__programme=cast.programme).first()
    table = WorkGroup.objects.create(work=work, name="Bord 3")
    table.units.set([cast.units["North"], cast.units["South"]])
    client = staff(cast.facilitator)
    url = reverse("plans", args=[cast.programme.pk])
    both = {"title": "Blandet", "unit": cast.units["South"].pk, "group": table.pk}
    assert client.post(url, both).status_code == 422  # a unit or a group, not both
    assert client.post(url, {"title": "Bordets plan", "group": table.pk}).status_code == 302
    plan = TeamPlan.objects.get(title="Bordets plan")
    assert plan.group == table and plan.unit is None
    assert "Bord 3" in client.get(url).content.decode()


@pytest.mark.django_db
def test_the_wall_shows_the_plans_when_presented_and_follows_changes(cast, plan):
    from seminars import services as seminar_services

    activity = Activity.objects.get(
        seminar__programme=cast.programme, seminar__number=2, kind="planning"
    )
    client = staff(cast.facilitator)
    url = reverse("planning_open", args=[cast.programme.pk, activity.seminar_id, activity.pk])
    assert client.post(url, {"open": "1", "wall": "1"}).status_code == 302
    token = seminar_services.issue_display_token(seminar=activity.seminar)
    wall = Client().get(reverse("display", args=[token])).content.decode()
    assert "Bedre overlap" in wall and "Fast overlap kl. 15" in wall
    version = re.search(r"\?v=([^\"]+)\"", wall).group(1)
    live = reverse("display_live", args=[token])
    assert Client().get(live, {"v": version}).status_code == 204  # nothing changed
    services.add_action(request=None, plan=plan, text="Ny tjekliste")
    changed = Client().get(live, {"v": version})
    assert changed.status_code == 200 and "Ny tjekliste" in changed.content.decode()
