"""Boards from phones: seats, posts, phases, dot voting, moderation and the wall.

Each test plays a phone (a test client with its own session) and, where needed, the
facilitator (another client) and the wall (the display link), and tries to break a rule.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from programmes.models import AuditEntry
from seminars import services
from seminars.models import Board, Post, PostGroup, Seat, Vote
from tests.factories import ParticipantFactory


@pytest.fixture
def board(cast):
    """Seminar 1's good-examples board, open for writing, on the wall."""
    board = Board.objects.get(activity__seminar__programme=cast.programme, kind="good_examples")
    Board.objects.filter(pk=board.pk).update(phase="collect", voting=True)
    seminar = board.activity.seminar
    seminar.wall, seminar.wall_board = "board", board
    seminar.save()
    board.refresh_from_db()
    return board


@pytest.fixture
def wall(board):
    token = services.issue_display_token(seminar=board.activity.seminar)
    return reverse("display", args=[token]), reverse("display_live", args=[token])


def phone(board) -> Client:
    client = Client()
    response = client.post(reverse("join"), {"code": board.activity.seminar.room_code})
    assert response.status_code == 302
    assert response.url == reverse("board_phone", args=[board.pk])
    return client


def write(client: Client, board, text: str, **extra):
    data = {"text": text, "key": str(uuid.uuid4()), **extra}
    return client.post(reverse("board_post", args=[board.pk]), data)


def set_phase(board, phase: str, **fields) -> None:
    Board.objects.filter(pk=board.pk).update(phase=phase, **fields)
    board.refresh_from_db()


def vote(client: Client, board, *pairs: str):
    return client.post(reverse("board_vote", args=[board.pk]), {"set": list(pairs)})


def item_of(text: str) -> int:
    return Post.objects.get(text=text).group_id


# --- Seats ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_seminar_has_a_room_code_from_the_start(cast):
    codes = list(cast.programme.seminars.values_list("room_code", flat=True))
    assert all(len(code) == 6 for code in codes)
    assert len(set(codes)) == len(codes)


@pytest.mark.django_db
def test_a_phone_gets_one_seat_per_session(board):
    client = phone(board)
    client.post(reverse("join"), {"code": board.activity.seminar.room_code})
    phone(board)
    seats = Seat.objects.filter(seminar=board.activity.seminar)
    assert seats.count() == 2
    assert all(len(seat.key) == 32 and seat.unit is None for seat in seats)


@pytest.mark.django_db
def test_a_personal_link_keeps_one_seat_on_any_phone(cast, board):
    participant = ParticipantFactory(programme=cast.programme, unit=cast.units["South"])
    token = participant.issue_link_token()
    keys = set()
    for _phone in range(2):
        client = Client()
        client.get(reverse("participant_link", args=[token]))
        client.post(reverse("join"), {"code": board.activity.seminar.room_code})
        keys.add(client.session["seats"][str(board.activity.seminar_id)])
    assert len(keys) == 1
    assert Seat.objects.filter(seminar=board.activity.seminar).count() == 1
    assert participant.name not in next(iter(keys))


@pytest.mark.django_db
def test_a_board_id_without_a_seat_in_its_room_leads_nowhere(cast, board):
    other = Board.objects.get(activity__seminar__programme=cast.programme, kind="wins")
    set_phase(other, "collect")
    client = phone(board)
    assert client.get(reverse("board_phone", args=[other.pk])).status_code == 404
    assert write(client, other, "hello").status_code == 404
    assert Client().get(reverse("board_phone", args=[board.pk])).status_code == 404


@pytest.mark.django_db
def test_a_closed_board_leaves_the_room(board):
    set_phase(board, "ready")
    response = Client().post(reverse("join"), {"code": board.activity.seminar.room_code})
    assert response.status_code == 404  # nothing open: the code leads nowhere (T-5)


# --- Posts ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_post_is_stored_once_per_key(board):
    client = phone(board)
    data = {"text": "We help each other at handovers", "key": str(uuid.uuid4())}
    for _tap in range(3):
        response = client.post(reverse("board_post", args=[board.pk]), data)
        assert response.status_code == 302
    assert Post.objects.filter(board=board).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Write something before you send it."),
        ("   \n ", "Write something before you send it."),
        ("x" * 501, "at most 500 characters"),
    ],
)
def test_bad_posts_get_a_clear_message_and_store_nothing(board, text, message):
    response = write(phone(board), board, text)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_a_forged_key_or_unit_is_refused(board, cast):
    client = phone(board)
    bad = [
        {"text": "ok", "key": "not-a-uuid"},
        {"text": "ok"},
        {"text": "ok", "key": str(uuid.uuid4()), "unit": "99999999"},
        {"text": "ok", "key": str(uuid.uuid4()), "unit": "abc"},
    ]
    for data in bad:
        assert client.post(reverse("board_post", args=[board.pk]), data).status_code == 422
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_html_in_a_post_is_escaped_everywhere(board, wall, cast):
    client = phone(board)
    write(client, board, "<script>alert(1)</script><b>bold</b>")
    pages = [
        client.get(reverse("board_phone", args=[board.pk])),
        Client().get(wall[0]),
    ]
    staff = Client()
    staff.force_login(cast.facilitator)
    activity = board.activity
    pages.append(
        staff.get(
            reverse("board_control", args=[cast.programme.pk, activity.seminar_id, activity.pk])
        )
    )
    for page in pages:
        html = page.content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.django_db
def test_posting_outside_the_collect_step_is_a_409(board):
    client = phone(board)
    set_phase(board, "vote")
    response = write(client, board, "late")
    assert response.status_code == 409
    assert "This step of the board is over" in response.content.decode()
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_a_seat_cannot_flood_a_board(board):
    client = phone(board)
    for n in range(services.POSTS_PER_SEAT):
        assert write(client, board, f"idea {n}").status_code == 302
    response = write(client, board, "one too many")
    assert response.status_code == 429
    assert Post.objects.count() == services.POSTS_PER_SEAT


@pytest.mark.django_db
def test_nothing_identifies_who_wrote_a_post_on_the_facilitators_page(board, cast):
    write(phone(board), board, "A good example")
    staff = Client()
    staff.force_login(cast.facilitator)
    activity = board.activity
    url = reverse("board_control", args=[cast.programme.pk, activity.seminar_id, activity.pk])
    html = staff.get(url).content.decode()
    seat = Seat.objects.get()
    assert seat.key not in html
    assert f"seat {seat.pk}" not in html


# --- The name guard --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_post_naming_a_listed_person_waits_for_review(board, wall, cast):
    ParticipantFactory(programme=cast.programme, unit=cast.units["South"], name="Mette Kjærgaard")
    client = phone(board)
    response = write(client, board, "Mette Kjærgaard never answers her mail")
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.state == "review"
    page = client.get(reverse("board_phone", args=[board.pk])).content.decode()
    assert "waits for the facilitator" in page
    assert "name a person" in page
    assert "Mette" not in Client().get(wall[0]).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text",
    ["Skriv til jens@skovby.dk", "Ring 20 30 40 50", "Mit CPR er 010203-1234"],
)
def test_contact_details_and_id_numbers_wait_for_review(board, text):
    write(phone(board), board, text)
    assert Post.objects.get().state == "review"


@pytest.mark.django_db
def test_a_managers_name_is_guarded_too(board, cast):
    cast.manager.first_name, cast.manager.last_name = "Birgitta", "Lindqvist"
    cast.manager.save()
    write(phone(board), board, "Birgitta Lindqvist decides everything alone")
    assert Post.objects.get().state == "review"


@pytest.mark.django_db
def test_review_before_the_wall_holds_every_post(board, wall):
    set_phase(board, "collect", review_first=True)
    write(phone(board), board, "Harmless example")
    assert Post.objects.get().state == "review"
    assert "Harmless example" not in Client().get(wall[0]).content.decode()


# --- The wall ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_private_writing_shows_only_a_rising_count_until_reveal(board, wall):
    set_phase(board, "collect", posts_at_once=False)
    client = phone(board)
    write(client, board, "Secret until reveal")
    html = Client().get(wall[0]).content.decode()
    assert "Secret until reveal" not in html
    assert "1 post" in html
    set_phase(board, "reveal")
    assert "Secret until reveal" in Client().get(wall[0]).content.decode()


@pytest.mark.django_db
def test_the_wall_counts_hidden_posts_and_never_shows_them(board, wall, cast, rf):
    client = phone(board)
    write(client, board, "Keep this")
    write(client, board, "Take this down")
    request = rf.post("/")
    request.user = cast.facilitator
    services.moderate(request=request, post=Post.objects.get(text="Take this down"), action="hide")
    html = Client().get(wall[0]).content.decode()
    assert "Keep this" in html
    assert "Take this down" not in html
    assert "1 hidden by the facilitator" in html


@pytest.mark.django_db
def test_a_posts_unit_is_named_only_with_k_seats_from_it(board, wall, cast):
    south = cast.units["South"]
    k = cast.programme.min_group_size
    first = phone(board)
    write(first, board, "From the south", unit=str(south.pk))
    assert "South" not in Client().get(wall[0]).content.decode()
    for _n in range(k - 1):
        other = phone(board)
        write(other, board, f"Also south {_n}", unit=str(south.pk))
    assert Seat.objects.filter(unit=south).count() == k
    assert "· South" in Client().get(wall[0]).content.decode()


@pytest.mark.django_db
def test_an_unchanged_poll_is_204_in_at_most_two_queries(
    board, wall, django_assert_max_num_queries
):
    client = phone(board)
    write(client, board, "First")
    page = Client().get(wall[0]).content.decode()
    version = re.search(r'live/\?v=([^"]+)"', page).group(1)
    with django_assert_max_num_queries(2):
        response = Client().get(wall[1], {"v": version})
    assert response.status_code == 204
    write(client, board, "Second")
    assert Client().get(wall[1], {"v": version}).status_code == 200
    phone(board)  # a new seat changes the count on the wall
    page = Client().get(wall[1], {"v": version}).content.decode()
    assert "2 in the room" in page


# --- Dot voting ------------------------------------------------------------------------------


@pytest.fixture
def voting_board(board):
    client = phone(board)
    for text in ("Alpha", "Beta", "Gamma", "Delta"):
        write(client, board, text)
    set_phase(board, "vote", dots_per_seat=3, dots_per_item=2)
    return board


@pytest.mark.django_db
def test_dots_are_limited_per_seat_and_per_item(voting_board):
    client = phone(voting_board)
    a, b, c = item_of("Alpha"), item_of("Beta"), item_of("Gamma")
    assert vote(client, voting_board, f"{a}:1").status_code == 302
    assert vote(client, voting_board, f"{a}:2").status_code == 302
    response = vote(client, voting_board, f"{a}:3")
    assert response.status_code == 409
    assert "as many of your dots as one item may have" in response.content.decode()
    assert vote(client, voting_board, f"{b}:1").status_code == 302
    response = vote(client, voting_board, f"{c}:1")
    assert response.status_code == 409
    assert "used all your dots" in response.content.decode()
    # A move is one request: one dot from Alpha to Gamma.
    assert vote(client, voting_board, f"{a}:1", f"{c}:1").status_code == 302
    mine = dict(Vote.objects.values_list("group_id", "dots"))
    assert mine == {a: 1, b: 1, c: 1}


@pytest.mark.django_db
def test_a_replayed_vote_changes_nothing(voting_board):
    client = phone(voting_board)
    a = item_of("Alpha")
    for _replay in range(5):
        vote(client, voting_board, f"{a}:1")
    assert list(Vote.objects.values_list("dots", flat=True)) == [1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "pairs",
    [
        [],
        ["x:1"],
        ["1:-1"],
        ["1"],
        ["１:1"],
        ["1:100"],
        ["99999999999:1"],
        [f"{n}:0" for n in range(60)],
    ],
)
def test_unreadable_votes_are_a_400_and_store_nothing(voting_board, pairs):
    response = vote(phone(voting_board), voting_board, *pairs)
    assert response.status_code == 400
    assert not Vote.objects.exists()


@pytest.mark.django_db
def test_votes_on_hidden_or_foreign_items_and_closed_boards_are_refused(voting_board, cast, rf):
    client = phone(voting_board)
    a, b = item_of("Alpha"), item_of("Beta")
    request = rf.post("/")
    request.user = cast.facilitator
    services.moderate(request=request, post=Post.objects.get(text="Beta"), action="hide")
    assert vote(client, voting_board, f"{b}:1").status_code == 409
    foreign = PostGroup.objects.create(
        board=Board.objects.get(activity__seminar__programme=cast.programme, kind="wins")
    )
    assert vote(client, voting_board, f"{foreign.pk}:1").status_code == 409
    set_phase(voting_board, "results")
    assert vote(client, voting_board, f"{a}:1").status_code == 409
    assert not Vote.objects.exists()


@pytest.mark.django_db
def test_a_lowered_budget_keeps_spent_dots_and_allows_no_new_ones(voting_board):
    client = phone(voting_board)
    a, b, c = item_of("Alpha"), item_of("Beta"), item_of("Gamma")
    vote(client, voting_board, f"{a}:2", f"{b}:1")
    set_phase(voting_board, "vote", dots_per_seat=2)
    assert vote(client, voting_board, f"{c}:1").status_code == 409
    assert vote(client, voting_board, f"{a}:1").status_code == 302  # taking back is fine
    assert vote(client, voting_board, f"{c}:1").status_code == 409  # 2 spent of 2
    assert vote(client, voting_board, f"{b}:0", f"{c}:1").status_code == 302
    assert sum(Vote.objects.values_list("dots", flat=True)) == 2


@pytest.mark.django_db
def test_a_merge_carries_the_dots_and_may_exceed_the_item_limit(voting_board, cast, rf):
    client = phone(voting_board)
    a, b = item_of("Alpha"), item_of("Beta")
    vote(client, voting_board, f"{a}:2", f"{b}:1")
    request = rf.post("/")
    request.user = cast.facilitator
    groups = PostGroup.objects.filter(pk__in=[a, b]).order_by("pk")
    services.merge(request=request, board=voting_board, into=groups[0], others=[groups[1]])
    merged = groups[0].pk
    assert list(Vote.objects.values_list("group_id", "dots")) == [(merged, 3)]
    assert Post.objects.filter(group_id=merged).count() == 2
    assert vote(client, voting_board, f"{merged}:4").status_code == 409  # no more there
    assert vote(client, voting_board, f"{merged}:2").status_code == 302  # but it may take back
    assert AuditEntry.objects.filter(action="board.merge").count() == 1


@pytest.mark.django_db
def test_totals_stay_off_the_wall_until_revealed(voting_board, wall):
    voters = [phone(voting_board) for _n in range(3)]
    a = item_of("Alpha")
    for client in voters:
        vote(client, voting_board, f"{a}:2")
    html = Client().get(wall[0]).content.decode()
    assert "3 of 4 have voted" in html
    assert "<meter" not in html.split("wall-board", 1)[1]
    assert "wall-results" not in html
    set_phase(voting_board, "vote", live_totals=True)
    assert "wall-results" in Client().get(wall[0]).content.decode()
    set_phase(voting_board, "results", live_totals=False)
    html = Client().get(wall[0]).content.decode()
    assert re.search(
        r"Alpha</span>\s*<span class=\"result-bar\"><meter min=\"0\" max=\"6\" value=\"6\"", html
    )


@pytest.mark.django_db
def test_ties_are_shown_as_ties(voting_board, wall):
    client = phone(voting_board)
    vote(client, voting_board, f"{item_of('Alpha')}:1", f"{item_of('Beta')}:1")
    set_phase(voting_board, "results")
    html = Client().get(wall[0]).content.decode()
    ranks = re.findall(r'class="rank">(\d+)\.(<small>shared place</small>)?', html)
    # Alpha and Beta share first place; Gamma and Delta, without dots, share third.
    assert (
        ranks
        == [("1", "<small>shared place</small>")] * 2 + [("3", "<small>shared place</small>")] * 2
    )


@pytest.mark.django_db
def test_the_wall_never_shows_a_seats_own_dots(voting_board, wall):
    client = phone(voting_board)
    vote(client, voting_board, f"{item_of('Alpha')}:1")
    html = Client().get(wall[0]).content.decode()
    assert "dots left" not in html
    assert "Your dots" not in html
    assert (
        "dots left" in client.get(reverse("board_phone", args=[voting_board.pk])).content.decode()
    )


# --- The facilitator ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_facilitator_runs_the_board_and_every_change_is_audited(board, cast):
    client = phone(board)
    write(client, board, "Teh typo")
    post = Post.objects.get()
    staff = Client()
    staff.force_login(cast.facilitator)
    activity = board.activity
    args = [cast.programme.pk, activity.seminar_id, activity.pk]
    assert staff.post(reverse("board_phase", args=args), {"phase": "reveal"}).status_code == 302
    assert staff.post(reverse("board_phase", args=args), {"phase": "nonsense"}).status_code == 400
    edit = reverse("board_post_edit", args=[*args, post.pk])
    assert staff.post(edit, {"text": ""}).status_code == 422
    assert staff.post(edit, {"text": "The typo"}).status_code == 302
    action = reverse("board_post_action", args=[*args, post.pk])
    assert staff.post(action, {"action": "hide"}).status_code == 302
    assert staff.post(action, {"action": "explode"}).status_code == 400
    assert staff.post(action, {"action": "show"}).status_code == 302
    group = reverse("board_group_edit", args=[*args, post.group_id])
    assert staff.post(group, {"title": "Handovers", "dimension": "trust"}).status_code == 302
    assert staff.post(group, {"title": "x", "dimension": "bogus"}).status_code == 422
    settings = reverse("board_settings", args=args)
    form = {
        "kind": "improvement_areas",
        "question": "Q?",
        "dots_per_seat": "0",
        "dots_per_item": "2",
    }
    assert staff.post(settings, form).status_code == 422
    form["dots_per_seat"] = "5"
    assert staff.post(settings, form).status_code == 302
    board.refresh_from_db()
    post.refresh_from_db()
    assert (board.phase, board.dots_per_seat, post.text, post.state) == (
        "reveal",
        5,
        "The typo",
        "visible",
    )
    assert post.group.dimension == "trust"
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    for expected in (
        "board.phase",
        "post.edit",
        "post.hide",
        "post.show",
        "group.edit",
        "board.settings",
    ):
        assert expected in actions
    details = " ".join(str(d) for d in AuditEntry.objects.values_list("details", flat=True))
    assert "typo" not in details.lower()


@pytest.mark.django_db
def test_the_control_view_polls_with_204_when_nothing_changed(board, cast):
    staff = Client()
    staff.force_login(cast.facilitator)
    activity = board.activity
    url = reverse("board_control", args=[cast.programme.pk, activity.seminar_id, activity.pk])
    headers = {"HTTP_HX_REQUEST": "true"}
    assert staff.get(url, {"v": board.version}, **headers).status_code == 204
    write(phone(board), board, "New post")
    response = staff.get(url, {"v": board.version}, **headers)
    assert response.status_code == 200
    assert "New post" in response.content.decode()


@pytest.mark.django_db
def test_merging_from_the_control_view(voting_board, cast):
    staff = Client()
    staff.force_login(cast.facilitator)
    activity = voting_board.activity
    url = reverse("board_merge", args=[cast.programme.pk, activity.seminar_id, activity.pk])
    a, b = item_of("Alpha"), item_of("Beta")
    assert staff.post(url, {"items": [str(a)]}).status_code == 422
    assert staff.post(url, {"items": [str(a), "999999"]}).status_code == 422
    assert staff.post(url, {"items": [str(a), str(b)]}).status_code == 302
    assert Post.objects.get(text="Beta").group_id == a


@pytest.mark.django_db
def test_the_wall_can_present_the_change_of_closed_rounds(board, wall, cast):
    staff = Client()
    staff.force_login(cast.facilitator)
    seminar = board.activity.seminar
    url = reverse("seminar_wall", args=[cast.programme.pk, seminar.pk])
    assert staff.post(url, {"wall": "change"}).status_code == 302
    html = Client().get(wall[0]).content.decode()
    assert "Before and after" in html
    assert staff.post(url, {"wall": "board", "board": "999999"}).status_code == 404
    assert staff.post(url, {"wall": "sideways"}).status_code == 400


# --- Kiosk ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_kiosk_starts_afresh_after_each_post(board):
    tablet = Client()
    code = board.activity.seminar.room_code
    response = tablet.get(reverse("kiosk_start", args=[code]))
    assert response.url == reverse("board_phone", args=[board.pk])
    first_seat = tablet.session["seats"][str(board.activity.seminar_id)]
    response = write(tablet, board, "From the first person")
    assert response.url == reverse("kiosk_next")
    assert "seats" not in tablet.session
    page = tablet.get(reverse("kiosk_next")).content.decode()
    assert reverse("join_code", args=[code]) in page
    tablet.get(reverse("join_code", args=[code]))
    assert tablet.session["seats"][str(board.activity.seminar_id)] != first_seat
    mine = tablet.get(reverse("board_phone", args=[board.pk])).content.decode()
    assert "What you have written" not in mine


@pytest.mark.django_db
def test_a_kiosk_starts_afresh_after_each_survey(cast, open_round, items):
    from surveys.models import Response
    from tests.surveys.test_survey_flow import answer_all, review_form

    tablet = Client()
    code = open_round.seminar.room_code
    tablet.get(reverse("kiosk_start", args=[code]))
    answer_all(tablet, open_round, cast.units["South"], items)
    response = tablet.post(
        reverse("survey_review", args=[open_round.pk]), review_form(tablet, open_round)
    )
    thanks = tablet.get(response.url)
    assert thanks.status_code == 200
    assert reverse("join_code", args=[code]) in thanks.content.decode()
    assert set(tablet.session.keys()) == {"kiosk"}  # nothing of the first person stays
    assert thanks.cookies[settings.LANGUAGE_COOKIE_NAME]["max-age"] == 0  # not their language
    tablet.get(reverse("join_code", args=[code]))
    answer_all(tablet, open_round, cast.units["North"], items)
    tablet.post(reverse("survey_review", args=[open_round.pk]), review_form(tablet, open_round))
    assert Response.objects.filter(round=open_round).count() == 2


@pytest.mark.django_db
def test_a_personal_link_leads_to_an_open_board(cast, board):
    participant = ParticipantFactory(programme=cast.programme, unit=cast.units["South"])
    client = Client()
    client.get(reverse("participant_link", args=[participant.issue_link_token()]))
    page = client.get(reverse("participant_home")).content.decode()
    room = reverse("join_code", args=[board.activity.seminar.room_code])
    assert room in page
    assert client.get(room).url == reverse("board_phone", args=[board.pk])


@pytest.mark.django_db
def test_a_board_with_posts_and_votes_goes_with_its_activity_or_programme(voting_board, cast):
    from django.db.models import ProtectedError, RestrictedError

    from programmes.services import delete_programme

    vote(phone(voting_board), voting_board, f"{item_of('Alpha')}:1")
    with pytest.raises((ProtectedError, RestrictedError)):
        PostGroup.objects.get(pk=item_of("Alpha")).delete()  # never a group holding posts
    staff = Client()
    staff.force_login(cast.facilitator)
    activity = voting_board.activity
    url = reverse("activity_delete", args=[cast.programme.pk, activity.seminar_id, activity.pk])
    assert staff.post(url).status_code == 302
    assert not Post.objects.exists() and not Vote.objects.exists()
    other = Board.objects.get(activity__seminar__programme=cast.programme, kind="wins")
    set_phase(other, "collect")
    write(phone(other), other, "A win")
    delete_programme(programme=cast.programme)
    assert not Board.objects.filter(pk=other.pk).exists()
    assert not Seat.objects.exists()


@pytest.mark.django_db
def test_board_pages_cost_the_same_queries_with_many_posts(voting_board, cast, wall):
    """Pinned query counts: reading a board never costs a query per post or item."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff = Client()
    staff.force_login(cast.facilitator)
    activity = voting_board.activity
    control = reverse("board_control", args=[cast.programme.pk, activity.seminar_id, activity.pk])
    client = phone(voting_board)
    pages = {
        "phone": (client, reverse("board_phone", args=[voting_board.pk])),
        "control": (staff, control),
        "wall": (Client(), wall[0]),
    }

    def costs() -> dict[str, int]:
        counted = {}
        for name, (who, url) in pages.items():
            with CaptureQueriesContext(connection) as queries:
                assert who.get(url).status_code == 200
            counted[name] = len(queries)
        return counted

    few = costs()
    set_phase(voting_board, "collect")
    writer = phone(voting_board)
    for n in range(16):
        write(writer, voting_board, f"More {n}")
    set_phase(voting_board, "vote")
    vote(client, voting_board, f"{item_of('More 3')}:1")
    assert costs() == few
    assert few == {"phone": 13, "control": 12, "wall": 9}  # phone, wall: is the seminar over?
