"""The seminars' part of the manager's report: top improvement areas by votes, the good
examples and wins the facilitator marked, evaluation figures from k and the themes; never a
comment, a hidden post or one waiting for review."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from seminars import report
from seminars.models import Board, Post
from tests.seminars.test_boards import item_of, phone, set_phase, vote, write
from tests.seminars.test_documentation import documented  # noqa: F401 (a fixture)


def mark(cast, board, text: str, *, on: bool = True):
    client = Client()
    client.force_login(cast.facilitator)
    activity = board.activity
    url = reverse(
        "board_group_edit",
        args=[cast.programme.pk, activity.seminar_id, activity.pk, item_of(text)],
    )
    data = {"title": "", "dimension": "", **({"in_report": "on"} if on else {})}
    assert client.post(url, data).status_code in (200, 302)


@pytest.mark.django_db
def test_marked_good_examples_go_in_and_nothing_hidden_or_private_does(cast, documented):  # noqa: F811
    board = Board.objects.get(activity__seminar=documented, kind="good_examples")
    mark(cast, board, "Vi hjælper hinanden ved overlap")
    Post.objects.filter(text="Hidden complaint").update(state="visible")
    mark(cast, board, "Hidden complaint")
    Post.objects.filter(text="Hidden complaint").update(state="hidden")  # hidden after marking
    first = report.outputs(cast.programme, k=5).seminars[0]
    assert first.good_examples == ("Vi hjælper hinanden ved overlap",)
    everything = repr(report.outputs(cast.programme, k=5))
    for never in ("Hidden complaint", "Held for review", "Secret", "Æbler og pærer"):
        assert never not in everything, never
    assert first.themes == ("More time for the tables",)
    assert first.answered == 12
    assert [(f.mean, f.n) for f in first.evaluation if f.mean is not None] == [(4.0, 12)]


@pytest.mark.django_db
def test_the_top_improvement_areas_come_with_their_dots_and_unmarking_takes_one_out(cast):
    board = Board.objects.get(activity__seminar__programme=cast.programme, kind="improvement_areas")
    set_phase(board, "collect", voting=True)
    client = phone(board)
    write(client, board, "Vagtplanen kommer for sent")
    write(client, board, "For lidt tid til overlap")
    set_phase(board, "vote")
    vote(
        client,
        board,
        f"{item_of('Vagtplanen kommer for sent')}:2",
        f"{item_of('For lidt tid til overlap')}:1",
    )
    set_phase(board, "results")
    second = report.outputs(cast.programme, k=5).seminars[1]
    assert [(a.title, a.dots, a.rank) for a in second.improvement_areas] == [
        ("Vagtplanen kommer for sent", 2, 1),
        ("For lidt tid til overlap", 1, 2),
    ]
    wins = Board.objects.get(activity__seminar__programme=cast.programme, kind="wins")
    set_phase(wins, "collect")
    winner = phone(wins)
    write(winner, wins, "Overlap hver dag i en måned")
    mark(cast, wins, "Overlap hver dag i en måned")
    third = report.outputs(cast.programme, k=5).seminars[2]
    assert third.wins == ("Overlap hver dag i en måned",)
    mark(cast, wins, "Overlap hver dag i en måned", on=False)
    assert report.outputs(cast.programme, k=5).seminars[2].wins == ()
