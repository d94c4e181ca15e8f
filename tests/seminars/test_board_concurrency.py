"""The vote budget under concurrency: threads against PostgreSQL, each its own connection.

A seat's dots are checked and written under a lock on the seat's row, and merges lock the
items in the order votes do, so no interleaving may pass the budget, lose a vote or fail.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from seminars import services, voting
from seminars.models import Board, Post, PostGroup, Seat, Vote
from tests.seminars.test_boards import phone, set_phase, write


def _race(jobs, *, timeout: float = 30) -> list:
    """Run the jobs in threads released together; each result, or the exception raised."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(index: int, job) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[index] = job()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


@pytest.fixture
def voting_room(cast):
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL (row locks and separate connections)")
    board = Board.objects.get(activity__seminar__programme=cast.programme, kind="good_examples")
    set_phase(board, "collect", voting=True)
    writer = phone(board)
    for n in range(8):
        write(writer, board, f"Item {n}")
    set_phase(board, "vote", dots_per_seat=3, dots_per_item=2)
    return board, list(PostGroup.objects.filter(board=board).order_by("pk"))


@pytest.mark.django_db(transaction=True)
def test_twelve_taps_from_one_seat_at_once_spend_exactly_the_budget(voting_room):
    """Eight items asked for one dot each and four over the item limit, all at once."""
    board, items = voting_room
    for attempt in range(5):
        seat = Seat.objects.create(seminar=board.activity.seminar, key=f"race-{attempt}")
        jobs = [
            (lambda item=item: services.vote(board=board, seat=seat, wanted={item.pk: 1}))
            for item in items
        ] + [
            (lambda item=item: services.vote(board=board, seat=seat, wanted={item.pk: 3}))
            for item in items[:4]
        ]
        results = _race(jobs)
        refused = [r for r in results if isinstance(r, voting.VoteRefused)]
        failed = [r for r in results if isinstance(r, Exception) and r not in refused]
        assert not failed, failed
        accepted = [r for r in results if isinstance(r, dict)]
        dots = list(Vote.objects.filter(seat=seat).values_list("dots", flat=True))
        assert (len(accepted), len(refused)) == (3, 9), (attempt, results)
        assert dots == [1, 1, 1], "every accepted tap was kept, none over a limit"


@pytest.mark.django_db(transaction=True)
def test_many_seats_voting_at_once_lose_no_vote(voting_room):
    board, items = voting_room
    seats = [
        Seat.objects.create(seminar=board.activity.seminar, key=f"seat-{n}") for n in range(16)
    ]
    jobs = [
        (
            lambda seat=seat, n=n: services.vote(
                board=board, seat=seat, wanted={items[n % 8].pk: 2, items[(n + 1) % 8].pk: 1}
            )
        )
        for n, seat in enumerate(seats)
    ]
    results = _race(jobs)
    assert not [r for r in results if isinstance(r, Exception)]
    assert Vote.objects.filter(board=board).count() == 32
    assert sum(Vote.objects.filter(board=board).values_list("dots", flat=True)) == 48


@pytest.mark.django_db(transaction=True)
def test_a_merge_racing_votes_neither_fails_nor_loses_dots(voting_room, cast, rf):
    board, items = voting_room
    request = rf.post("/")
    request.user = cast.facilitator
    seats = [
        Seat.objects.create(seminar=board.activity.seminar, key=f"merge-{n}") for n in range(10)
    ]
    into, gone = items[0], items[1:4]
    jobs = [lambda: services.merge(request=request, board=board, into=into, others=gone)] + [
        (
            lambda seat=seat, item=items[1 + n % 4]: services.vote(
                board=board, seat=seat, wanted={item.pk: 1}
            )
        )
        for n, seat in enumerate(seats)
    ]
    results = _race(jobs)
    unexpected = [
        r for r in results if isinstance(r, Exception) and not isinstance(r, services.NotVotable)
    ]
    assert not unexpected, unexpected
    accepted = sum(1 for r in results[1:] if isinstance(r, dict))
    assert sum(Vote.objects.filter(board=board).values_list("dots", flat=True)) == accepted
    assert not PostGroup.objects.filter(pk__in=[g.pk for g in gone]).exists()
    assert Post.objects.filter(board=board, group=into).count() == 4


@pytest.mark.django_db(transaction=True)
def test_two_tabs_of_one_phone_through_http(voting_room):
    board, items = voting_room
    first = phone(board)
    second = Client()
    second.cookies = first.cookies  # the same browser: one session, one seat
    url = reverse("board_vote", args=[board.pk])
    jobs = [
        (lambda client=client, item=item: client.post(url, {"set": [f"{item.pk}:1"]}).status_code)
        for item in items[:4]
        for client in (first, second)
    ]
    statuses = _race(jobs)
    # Both tabs ask for the same dot on an item (idempotent): three items get theirs.
    assert sorted(statuses) == [302] * 6 + [409] * 2, statuses
    seat = Seat.objects.get(key=first.session["seats"][str(board.activity.seminar_id)])
    assert sum(Vote.objects.filter(seat=seat).values_list("dots", flat=True)) == 3
