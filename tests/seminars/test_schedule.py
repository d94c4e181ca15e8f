"""A programme's seminars over time: added, moved and removed; held in several sittings;
ended; and the documentation of earlier seminars shown in the room.

Each test plays the facilitator (a signed-in client), phones (clients with their own
sessions, entering a room code) or the wall (a display link), against the real database.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from programmes.models import AuditEntry, hash_token
from seminars import rooms, schedule, services
from seminars.models import (
    Board,
    Evaluation,
    EvaluationResponse,
    GroupWork,
    Post,
    Seat,
    Seminar,
    Session,
    WorkGroup,
)
from surveys.models import Round
from tests.seminars.test_boards import set_phase, write
from tests.seminars.test_evaluations import answer

ENDED = "This seminar has ended"
NOTHING_OPEN = "Nothing is open for phones right now"
DOCUMENTATION = "Documentation to read"


# --- Helpers -------------------------------------------------------------------------------


def staff(cast) -> Client:
    client = Client()
    client.force_login(cast.facilitator)
    return client


def seminar_no(cast, number: int) -> Seminar:
    return cast.programme.seminars.get(number=number)


def seminar_url(name: str, seminar: Seminar, *extra) -> str:
    return reverse(name, args=[seminar.programme_id, seminar.pk, *extra])


def numbering(programme) -> list[tuple[int, int]]:
    """(number, id) of the programme's seminars, in order."""
    return list(programme.seminars.order_by("number").values_list("number", "pk"))


def board_of(seminar: Seminar) -> Board:
    return Board.objects.get(activity__seminar=seminar)


def open_board(seminar: Seminar, *, on_wall: bool = False) -> Board:
    """The seminar's board, collecting posts (and on the wall, if asked)."""
    board = board_of(seminar)
    set_phase(board, "collect")
    if on_wall:
        seminar.wall, seminar.wall_board = "board", board
        seminar.save()
    return board


def enter(client: Client, code: str):
    return client.get(reverse("join_code", args=[code]))


def add_session(cast, seminar: Seminar, **fields) -> Session:
    data = {"label": "Night shift", "date": "", "starts_at": "21:00", "ends_at": "22:30"}
    data.update(fields)
    response = staff(cast).post(seminar_url("session_add", seminar), data)
    assert response.status_code == 302
    return seminar.sessions.get(label=data["label"])


def end(cast, seminar: Seminar, flag: str = "1"):
    return staff(cast).post(seminar_url("seminar_end", seminar), {"end": flag})


def document_links(page: str) -> list[str]:
    return re.findall(r'href="(/d/[^"]+/)"', page)


# --- Adding --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_seminar_comes_last_with_a_room_code_and_an_audit_row(cast):
    url = reverse("seminar_add", args=[cast.programme.pk])
    response = staff(cast).post(url, {"title": "Looking back"})
    added = cast.programme.seminars.get(title="Looking back")
    assert response.status_code == 302
    assert response.url == seminar_url("seminar_detail", added)
    assert added.number == 5
    assert len(added.room_code) == 6
    assert added.room_code not in {
        s.room_code for s in cast.programme.seminars.exclude(pk=added.pk)
    }
    assert AuditEntry.objects.filter(
        action="seminar.create", programme_id=cast.programme.pk, object_id=str(added.pk)
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_a_new_seminar_needs_a_title_of_at_most_200_characters(cast, title):
    url = reverse("seminar_add", args=[cast.programme.pk])
    response = staff(cast).post(url, {"title": title}, follow=True)
    assert response.status_code == 200
    assert "Give the new seminar a title (at most 200 characters)." in response.content.decode()
    assert cast.programme.seminars.count() == 4
    assert not AuditEntry.objects.filter(action="seminar.create").exists()


# --- Moving --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_moving_a_seminar_renumbers_without_gaps_and_keeps_its_address(cast):
    third = seminar_no(cast, 3)
    detail = seminar_url("seminar_detail", third)
    response = staff(cast).post(seminar_url("seminar_move", third), {"direction": "up"})
    assert response.status_code == 302
    third.refresh_from_db()
    assert third.number == 2
    assert [number for number, _pk in numbering(cast.programme)] == [1, 2, 3, 4]
    page = staff(cast).get(detail)
    assert page.status_code == 200
    assert page.context["seminar"].pk == third.pk
    assert third.title in page.content.decode()


@pytest.mark.django_db
def test_the_first_cannot_move_up_nor_the_last_down(cast):
    before = numbering(cast.programme)
    client = staff(cast)
    client.post(seminar_url("seminar_move", seminar_no(cast, 1)), {"direction": "up"})
    client.post(seminar_url("seminar_move", seminar_no(cast, 4)), {"direction": "down"})
    assert numbering(cast.programme) == before


@pytest.mark.django_db
def test_many_moves_keep_the_numbers_unique_and_complete(cast):
    ids = [pk for _number, pk in numbering(cast.programme)]
    client = staff(cast)
    moves = [(ids[0], "down"), (ids[0], "down"), (ids[3], "up"), (ids[0], "down"), (ids[2], "up")]
    for pk, direction in moves:
        seminar = Seminar.objects.get(pk=pk)
        assert (
            client.post(seminar_url("seminar_move", seminar), {"direction": direction}).status_code
            == 302
        )
    # ABCD -> BACD -> BCAD -> BCDA -> BCDA (the last stays put) -> CBDA
    assert numbering(cast.programme) == [
        (1, ids[2]),
        (2, ids[1]),
        (3, ids[3]),
        (4, ids[0]),
    ]


# --- Removing ------------------------------------------------------------------------------


@pytest.fixture
def busy(cast, open_round):
    """Seminar 1 with two posts, a group, an evaluation answer and a survey round."""
    seminar = open_round.seminar
    board = open_board(seminar)
    writer = Client()
    enter(writer, seminar.room_code)
    write(writer, board, "We help each other at handovers")
    write(writer, board, "Coffee together on Fridays")
    work = GroupWork.objects.get(activity__seminar=seminar)
    WorkGroup.objects.create(work=work, name="Table 1", notes={"Challenges": "Sleep"})
    evaluation = Evaluation.objects.get(activity__seminar=seminar)
    Evaluation.objects.filter(pk=evaluation.pk).update(is_open=True)
    evaluation.refresh_from_db()
    assert answer(writer, evaluation, useful=4).status_code == 302
    return seminar


@pytest.mark.django_db
def test_the_question_before_removing_counts_what_goes(cast, busy):
    response = staff(cast).get(seminar_url("seminar_remove", busy))
    page = response.content.decode()
    assert response.status_code == 200
    assert "7 activities" in page
    assert "2 posts on its boards" in page
    assert "1 group with notes" in page
    assert "1 evaluation answer" in page
    assert "Its 1 survey round stays" in page
    assert Seminar.objects.filter(pk=busy.pk).exists()


@pytest.mark.django_db
def test_a_wrong_confirmation_removes_nothing(cast, busy):
    url = seminar_url("seminar_remove", busy)
    for wrong in ("", busy.title.upper(), f"{busy.title} ", "1. " + busy.title):
        response = staff(cast).post(url, {"confirm": wrong})
        assert response.status_code == 422
        assert "That is not the seminar’s title, so nothing was removed." in (
            response.content.decode()
        )
    assert Seminar.objects.filter(pk=busy.pk).exists()
    assert Post.objects.filter(board__activity__seminar=busy).count() == 2
    assert not AuditEntry.objects.filter(action="seminar.delete").exists()


@pytest.mark.django_db
def test_the_exact_title_removes_the_seminar_and_closes_the_gap(cast, busy):
    second = seminar_no(cast, 2)
    response = staff(cast).post(seminar_url("seminar_remove", busy), {"confirm": busy.title})
    assert response.status_code == 302
    assert not Seminar.objects.filter(pk=busy.pk).exists()
    assert not Post.objects.filter(text="We help each other at handovers").exists()
    assert not EvaluationResponse.objects.exists()
    assert [number for number, _pk in numbering(cast.programme)] == [1, 2, 3]
    second.refresh_from_db()
    assert second.number == 1
    assert AuditEntry.objects.filter(action="seminar.delete", object_id=str(busy.pk)).exists()


@pytest.mark.django_db
def test_a_removed_seminars_survey_round_stays_without_it(cast, busy, open_round):
    staff(cast).post(seminar_url("seminar_remove", busy), {"confirm": busy.title})
    kept = Round.objects.get(pk=open_round.pk)
    assert kept.seminar is None
    assert kept.programme_id == cast.programme.pk


@pytest.mark.django_db
def test_another_programmes_seminar_cannot_be_removed(cast):
    foreign = cast.other_programme.seminars.get(number=1)
    own_address = reverse("seminar_remove", args=[cast.programme.pk, foreign.pk])
    client = staff(cast)
    assert client.get(own_address).status_code == 404
    assert client.post(own_address, {"confirm": foreign.title}).status_code == 404
    outsider = Client()
    outsider.force_login(cast.outsider)
    mine = seminar_no(cast, 1)
    assert (
        outsider.post(seminar_url("seminar_remove", mine), {"confirm": mine.title}).status_code
        == 404
    )
    assert Seminar.objects.filter(pk__in=[foreign.pk, mine.pk]).count() == 2


# --- Sessions: further sittings of a seminar -----------------------------------------------


@pytest.mark.django_db
def test_a_session_gets_a_room_code_of_its_own(cast):
    seminar = seminar_no(cast, 1)
    session = add_session(cast, seminar, place="Ward 3")
    assert len(session.room_code) == 6
    assert session.room_code != seminar.room_code
    assert session.room_code not in set(Seminar.objects.values_list("room_code", flat=True))
    assert (session.place, session.starts_at) == ("Ward 3", datetime.time(21, 0))
    assert AuditEntry.objects.filter(action="session.create", object_id=str(session.pk)).exists()


@pytest.mark.django_db
def test_a_sessions_code_leads_to_the_seminars_room(cast):
    seminar = seminar_no(cast, 1)
    board = open_board(seminar)
    session = add_session(cast, seminar)
    room = rooms.find_room(session.room_code.lower())
    assert room.seminar == seminar
    assert room.code == session.room_code
    response = enter(Client(), session.room_code)
    assert response.status_code == 302
    assert response.url == reverse("board_phone", args=[board.pk])


@pytest.mark.django_db
def test_posts_through_both_codes_land_on_one_board(cast):
    seminar = seminar_no(cast, 1)
    board = open_board(seminar)
    session = add_session(cast, seminar)
    day, night = Client(), Client()
    enter(day, seminar.room_code)
    enter(night, session.room_code)
    assert write(day, board, "Written in the day").status_code == 302
    assert write(night, board, "Written at night").status_code == 302
    assert set(Post.objects.filter(board=board).values_list("text", flat=True)) == {
        "Written in the day",
        "Written at night",
    }
    assert Seat.objects.filter(seminar=seminar).count() == 2


@pytest.mark.django_db
def test_a_sessions_display_link_shows_the_sessions_code(cast):
    seminar = seminar_no(cast, 1)
    open_board(seminar, on_wall=True)
    session = add_session(cast, seminar)
    opened = staff(cast).post(seminar_url("session_display_open", seminar, session.pk))
    assert opened.status_code == 302
    assert re.fullmatch(r"/display/[^/]+/", opened.url)
    wall = Client().get(opened.url)
    page = wall.content.decode()
    assert wall.status_code == 200
    assert f'<p class="room-code">{session.room_code}</p>' in page
    assert seminar.room_code not in page


@pytest.mark.django_db
def test_a_removed_sessions_code_and_display_link_lead_nowhere(cast):
    seminar = seminar_no(cast, 1)
    open_board(seminar, on_wall=True)
    session = add_session(cast, seminar)
    client = staff(cast)
    wall = client.post(seminar_url("session_display_open", seminar, session.pk)).url
    assert Client().get(wall).status_code == 200
    response = client.post(seminar_url("session_remove", seminar, session.pk))
    assert response.status_code == 302
    assert not Session.objects.filter(pk=session.pk).exists()
    assert enter(Client(), session.room_code).status_code == 404
    assert Client().get(wall).status_code == 404
    assert enter(Client(), seminar.room_code).status_code == 302  # the seminar's own code works


@pytest.mark.django_db
def test_a_session_is_removed_only_through_its_own_seminar(cast):
    first, second = seminar_no(cast, 1), seminar_no(cast, 2)
    session = add_session(cast, first)
    wrong = seminar_url("session_remove", second, session.pk)
    assert staff(cast).post(wrong).status_code == 404
    outsider = Client()
    outsider.force_login(cast.outsider)
    assert outsider.post(seminar_url("session_remove", first, session.pk)).status_code == 404
    assert outsider.post(seminar_url("session_display_open", first, session.pk)).status_code == 404
    session.refresh_from_db()
    assert session.display_token_hash == ""


@pytest.mark.django_db
def test_a_session_ending_before_it_starts_is_refused(cast):
    seminar = seminar_no(cast, 1)
    data = {"label": "Night shift", "starts_at": "22:00", "ends_at": "21:00"}
    response = staff(cast).post(seminar_url("session_add", seminar), data)
    assert response.status_code == 422
    page = response.content.decode()
    assert "The end must be after the start." in page
    assert 'name="label"' in page and 'value="Night shift"' in page
    assert not Session.objects.exists()


# --- When a seminar is over ----------------------------------------------------------------


@pytest.mark.django_db
def test_an_ended_seminar_is_over(cast):
    seminar = seminar_no(cast, 1)
    seminar.date = timezone.localdate() + datetime.timedelta(days=7)
    seminar.ended_at = timezone.now()
    assert schedule.is_over(seminar)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("seminar_day", "session_day", "over"),
    [
        (-1, None, True),  # yesterday, no sessions
        (-1, 0, False),  # yesterday, and a session today
        (None, None, False),  # no date at all
        (0, None, False),  # today
        (None, -2, True),  # only a session, two days ago
    ],
)
def test_a_seminar_is_over_after_its_last_day(cast, seminar_day, session_day, over):
    today = timezone.localdate()
    seminar = seminar_no(cast, 1)
    seminar.date = None if seminar_day is None else today + datetime.timedelta(days=seminar_day)
    seminar.save()
    if session_day is not None:
        Session.objects.create(
            seminar=seminar,
            label="Night shift",
            date=today + datetime.timedelta(days=session_day),
            room_code="NIGHT1",
        )
    assert schedule.is_over(seminar) is over


@pytest.fixture
def seated(cast):
    """Seminar 1 with its board, group work and evaluation open, and a phone seated in it
    (in a group) before the facilitator ends the seminar."""
    seminar = seminar_no(cast, 1)
    board = open_board(seminar)
    work = GroupWork.objects.get(activity__seminar=seminar)
    GroupWork.objects.filter(pk=work.pk).update(is_open=True)
    group = WorkGroup.objects.create(work=work, name="Table 1")
    evaluation = Evaluation.objects.get(activity__seminar=seminar)
    Evaluation.objects.filter(pk=evaluation.pk).update(is_open=True)
    evaluation.refresh_from_db()
    phone = Client()
    assert enter(phone, seminar.room_code).status_code == 200  # several open: it chooses
    assert phone.post(reverse("group_join", args=[work.pk]), {"group": group.pk}).status_code == 302
    assert end(cast, seminar).status_code == 302
    return phone, board, group, evaluation


@pytest.mark.django_db
def test_an_ended_seminars_code_says_it_has_ended(cast):
    seminar = seminar_no(cast, 1)
    open_board(seminar)
    session = add_session(cast, seminar)
    assert end(cast, seminar).status_code == 302
    seminar.refresh_from_db()
    assert seminar.ended_at is not None
    for code in (seminar.room_code, session.room_code):
        response = enter(Client(), code)
        assert response.status_code == 410
        assert ENDED in response.content.decode()
    assert not Seat.objects.filter(seminar=seminar).exists()


@pytest.mark.django_db
def test_an_ended_seminar_takes_no_posts(seated):
    phone, board, _group, _evaluation = seated
    response = write(phone, board, "Too late")
    assert response.status_code == 410
    assert ENDED in response.content.decode()
    assert not Post.objects.filter(board=board).exists()
    assert phone.get(reverse("board_phone", args=[board.pk])).status_code == 410


@pytest.mark.django_db
def test_an_ended_seminar_takes_no_evaluations(seated):
    phone, _board, _group, evaluation = seated
    response = answer(phone, evaluation, useful=5, worked="Too late")
    assert response.status_code == 410
    assert ENDED in response.content.decode()
    assert not EvaluationResponse.objects.exists()


@pytest.mark.django_db
def test_an_ended_seminar_takes_no_group_notes(seated):
    phone, _board, group, _evaluation = seated
    data = {"version": str(group.notes_version), "h0": "Too late", "h1": ""}
    response = phone.post(reverse("group_notes", args=[group.work_id]), data)
    assert response.status_code == 410
    assert ENDED in response.content.decode()
    group.refresh_from_db()
    assert group.notes == {}
    assert group.notes_version == 0


@pytest.mark.django_db
def test_ending_stops_the_display_links(cast):
    seminar = seminar_no(cast, 1)
    open_board(seminar, on_wall=True)
    session = add_session(cast, seminar)
    own = reverse("display", args=[services.issue_display_token(seminar=seminar)])
    sitting = staff(cast).post(seminar_url("session_display_open", seminar, session.pk)).url
    assert Client().get(own).status_code == 200
    assert Client().get(sitting).status_code == 200
    end(cast, seminar)
    assert Client().get(own).status_code == 404
    assert Client().get(sitting).status_code == 404


@pytest.mark.django_db
def test_reopening_opens_the_room_again(cast):
    seminar = seminar_no(cast, 1)
    board = open_board(seminar)
    end(cast, seminar)
    assert enter(Client(), seminar.room_code).status_code == 410
    response = end(cast, seminar, "0")
    assert response.status_code == 302
    seminar.refresh_from_db()
    assert seminar.ended_at is None
    phone = Client()
    assert enter(phone, seminar.room_code).status_code == 302
    assert write(phone, board, "Back again").status_code == 302
    assert Post.objects.filter(board=board, text="Back again").exists()


@pytest.mark.django_db
def test_a_seminar_past_its_last_day_stays_over_after_reopening(cast):
    seminar = seminar_no(cast, 1)
    open_board(seminar)
    Seminar.objects.filter(pk=seminar.pk).update(
        date=timezone.localdate() - datetime.timedelta(days=1)
    )
    end(cast, seminar)
    response = staff(cast).post(seminar_url("seminar_end", seminar), {"end": "0"}, follow=True)
    assert "Its last day has passed, so it stays over." in response.content.decode()
    seminar.refresh_from_db()
    assert seminar.ended_at is None
    assert schedule.is_over(seminar)
    assert enter(Client(), seminar.room_code).status_code == 410


# --- Documentation of earlier seminars in the room -----------------------------------------


def two_things_open(seminar: Seminar) -> None:
    open_board(seminar)
    Evaluation.objects.filter(activity__seminar=seminar).update(is_open=True)


@pytest.mark.django_db
def test_the_chooser_lists_earlier_released_documentation(cast):
    first, second = seminar_no(cast, 1), seminar_no(cast, 2)
    token = services.release_documentation(request=None, seminar=first)
    two_things_open(second)
    response = enter(Client(), second.room_code)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Several things are open." in page
    assert DOCUMENTATION in page
    link = reverse("documentation_shared", args=[token])
    assert document_links(page) == [link]
    assert f'<a class="tap-link" href="{link}">{first}</a>' in page
    assert Client().get(link).status_code == 200


@pytest.mark.django_db
def test_a_later_seminars_documentation_is_not_listed(cast):
    second, third = seminar_no(cast, 2), seminar_no(cast, 3)
    services.release_documentation(request=None, seminar=third)
    two_things_open(second)
    page = enter(Client(), second.room_code).content.decode()
    assert DOCUMENTATION not in page
    assert document_links(page) == []


@pytest.mark.django_db
def test_a_room_with_only_documentation_still_opens(cast):
    first, second = seminar_no(cast, 1), seminar_no(cast, 2)
    assert enter(Client(), second.room_code).status_code == 404  # nothing at all: unknown
    token = services.release_documentation(request=None, seminar=first)
    response = enter(Client(), second.room_code)
    page = response.content.decode()
    assert response.status_code == 200
    assert NOTHING_OPEN in page
    assert document_links(page) == [reverse("documentation_shared", args=[token])]


@pytest.mark.django_db
def test_withdrawn_documentation_is_not_listed(cast):
    first, second = seminar_no(cast, 1), seminar_no(cast, 2)
    services.release_documentation(request=None, seminar=first)
    release = seminar_url("documentation_release", first)
    assert staff(cast).post(release, {"release": "0"}).status_code == 302
    two_things_open(second)
    page = enter(Client(), second.room_code).content.decode()
    assert DOCUMENTATION not in page
    assert document_links(page) == []


@pytest.mark.django_db
def test_the_documentation_link_is_stable_and_not_stored(cast):
    first, second = seminar_no(cast, 1), seminar_no(cast, 2)
    token = services.release_documentation(request=None, seminar=first)
    two_things_open(second)
    shown = [document_links(enter(Client(), second.room_code).content.decode()) for _n in "ab"]
    assert shown[0] == shown[1] == [reverse("documentation_shared", args=[token])]
    row = Seminar.objects.filter(pk=first.pk).values().get()
    assert row["documentation_token_hash"] == hash_token(token)
    assert row["documentation_nonce"]
    assert not [column for column, value in row.items() if token in str(value)]
