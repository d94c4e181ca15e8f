"""The room: where a code leads, what is open in it now, and the registry apps plug into."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from programmes.models import Programme
from seminars import rooms
from surveys import services
from surveys.access import has_joined
from surveys.models import Round
from tests.factories import answer_round


@pytest.fixture
def isolated_registry(monkeypatch):
    """Registrations made by a test end with it."""
    monkeypatch.setattr(rooms, "_providers", dict(rooms._providers))
    monkeypatch.setattr(rooms, "_any_open", dict(rooms._any_open))


def _phone():
    request = RequestFactory().get("/j/")
    request.session = SessionStore()
    return request


def test_the_survey_provider_is_registered_at_start_up():
    assert rooms.provider("survey") is rooms.open_survey


@pytest.mark.django_db
def test_a_registered_provider_is_asked_what_is_open(cast, open_round, isolated_registry):
    seminar = open_round.seminar
    services.close_round(round=open_round)
    let_in = []
    board = rooms.Opening("board", "/board/", let_in.append)
    rooms.register("board", lambda s: [board] if s == seminar else [])
    assert rooms.provider("board") is not None
    assert rooms.open_now(seminar) == [board]
    room = rooms.find_room(seminar.room_code)
    assert room.seminar == seminar
    assert room.opening == board
    request = _phone()
    assert rooms.enter(request, room) == "/board/"
    assert let_in == [request]


@pytest.mark.django_db
def test_an_open_survey_comes_first_in_registration_order(cast, open_round, isolated_registry):
    rooms.register("board", lambda s: [rooms.Opening("board", "/board/", lambda r: None)])
    assert [o.kind for o in rooms.open_now(open_round.seminar)] == ["survey", "board"]


@pytest.mark.django_db
def test_what_the_wall_presents_comes_first(cast, open_round, isolated_registry):
    on_wall = rooms.Opening("board", "/board/", lambda r: None, first=True)
    rooms.register("board", lambda s: [on_wall])
    seminar = open_round.seminar
    seminar.wall = "board"
    seminar.save()
    assert [o.kind for o in rooms.open_now(seminar)] == ["board", "survey"]
    room = rooms.find_room(seminar.room_code)
    request = _phone()
    assert rooms.enter(request, room) is None  # two things open: the phone chooses
    assert has_joined(request)


@pytest.mark.django_db
def test_room_now_without_a_round(cast):
    seminar = cast.programme.seminars.get(number=2)
    now = rooms.room_now(seminar)
    assert now == rooms.RoomNow(seminar, None, None, "none", "idle")


@pytest.mark.django_db
def test_room_now_with_an_open_round(cast, open_round):
    now = rooms.room_now(open_round.seminar)
    assert now.round == open_round
    assert now.state.answered == 0
    assert now.version == f"{open_round.pk}-{now.state.version}"
    assert now.stage == "joining"


@pytest.mark.django_db
def test_room_now_with_a_closed_round_shows_its_figures(cast, open_round):
    answer_round(open_round, cast.units["South"], 4, count=cast.programme.min_group_size)
    services.close_round(round=open_round)
    now = rooms.room_now(open_round.seminar)
    assert now.round == open_round
    assert now.state.closed
    assert now.stage == "results"


@pytest.mark.django_db
def test_room_now_prefers_the_open_round_to_the_last_closed(cast, open_round):
    services.close_round(round=open_round)
    seminar = open_round.seminar
    follow_up = Round.objects.create(programme=cast.programme, seminar=seminar, title="Again")
    services.open_round(round=follow_up)
    assert rooms.room_now(seminar).round == follow_up


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["", "abc", "ZZZZZZ", "ZZZZZZZ"])
def test_find_room_with_a_wrong_code(cast, open_round, code):
    assert rooms.find_room(code) is None


@pytest.mark.django_db
def test_find_room_with_an_open_round(cast, open_round):
    code = services.room_code(open_round)
    room = rooms.find_room(f" {code[:3].lower()} {code[3:]} ")
    assert room.code == code
    assert room.seminar == open_round.seminar
    assert room.opening.kind == "survey"
    assert room.opening.url == reverse("survey_start", args=[open_round.pk])
    request = _phone()
    assert not has_joined(request)
    assert rooms.enter(request, room) == room.opening.url
    assert has_joined(request)
    assert str(open_round.pk) in request.session["surveys"]


@pytest.mark.django_db
def test_find_room_with_a_closed_round(cast, open_round):
    services.close_round(round=open_round)
    assert rooms.find_room(services.room_code(open_round)) is None


@pytest.mark.django_db
def test_find_room_in_an_archived_programme(cast, open_round):
    Programme.objects.filter(pk=cast.programme.pk).update(status=Programme.Status.ARCHIVED)
    assert rooms.find_room(services.room_code(open_round)) is None


@pytest.mark.django_db
def test_a_round_outside_seminars_is_a_room_of_its_own(cast, open_round):
    lone = Round.objects.create(programme=cast.programme, title="Follow-up")
    lone = services.open_round(round=lone)
    room = rooms.find_room(lone.room_code)
    assert room.seminar is None
    assert room.opening.url == reverse("survey_start", args=[lone.pk])
    Programme.objects.filter(pk=cast.programme.pk).update(status=Programme.Status.ARCHIVED)
    assert rooms.find_room(lone.room_code) is None


@pytest.mark.django_db
def test_present_buttons_open_a_row_for_phones_and_put_it_on_the_wall(cast):
    from django.test import Client

    from seminars.models import Board, Evaluation, GroupWork
    from seminars.services import issue_display_token

    seminar = cast.programme.seminars.get(number=1)
    staff = Client()
    staff.force_login(cast.facilitator)
    token = issue_display_token(seminar=seminar)

    def present(kind):
        activity = seminar.activities.get(kind=kind)
        url = reverse(
            "activity_present", args=[cast.programme.pk, activity.seminar_id, activity.pk]
        )
        return staff.post(url), activity

    response, activity = present("board")
    assert response.status_code == 302
    assert Board.objects.get(activity=activity).phase == "collect"
    seminar.refresh_from_db()
    assert (seminar.wall, seminar.wall_board.activity) == ("board", activity)
    response, activity = present("discussion")
    assert GroupWork.objects.get(activity=activity).is_open
    seminar.refresh_from_db()
    assert seminar.wall == "groups"
    response, activity = present("evaluation")
    assert Evaluation.objects.get(activity=activity).is_open
    wall = Client().get(reverse("display", args=[token])).content.decode()
    assert seminar.room_code in wall and "Join on your phone" in wall
    talk = seminar.activities.filter(kind="talk").first()
    url = reverse("activity_present", args=[cast.programme.pk, talk.seminar_id, talk.pk])
    assert staff.post(url).status_code == 400


@pytest.mark.django_db
def test_a_kind_with_nothing_open_costs_the_room_code_no_query(
    cast, open_round, django_assert_num_queries
):
    """The code's one query carries each kind's flag: with only the survey open, no board,
    group work, evaluation or plan query runs; once a board opens, its provider is asked
    (and, with two things open, the documents the room's page lists)."""
    from seminars.models import Activity, Board

    seminar = open_round.seminar
    seminar.date = timezone.localdate()  # held today: no sittings to look up
    seminar.save(update_fields=["date"])
    with django_assert_num_queries(1):
        room = rooms.find_room(seminar.room_code)
    assert [opening.kind for opening in room.openings] == ["survey"]
    activity = Activity.objects.create(seminar=seminar, kind="board", title="Ideas", position=1)
    Board.objects.create(activity=activity, question="What works?", phase=Board.Phase.COLLECT)
    with django_assert_num_queries(3):  # the seminar, its boards, its documents to list
        room = rooms.find_room(seminar.room_code)
    assert sorted(opening.kind for opening in room.openings) == ["board", "survey"]
