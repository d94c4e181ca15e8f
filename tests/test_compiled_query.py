"""programmes.compiled: a query compiled once answers as the QuerySet it was built from.

The phone's round lookup, the submit's locked draft and the room code's query run through it
on every request, so each case here compares it with the same QuerySet run by the ORM, and
calls it with other values after the first, so that SQL kept with the first call's values
would fail.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction
from django.test.utils import CaptureQueriesContext

from programmes.compiled import CompiledQuery
from surveys import access, services
from surveys.models import Draft, Round


def compare(instance, expected, fields: list[str]) -> None:
    assert (instance is None) == (expected is None)
    if expected is None:
        return
    for path in fields:
        mine, theirs = instance, expected
        for name in path.split("."):
            mine, theirs = getattr(mine, name), getattr(theirs, name)
        assert mine == theirs, path


ROUND_VIEW = [
    "pk",
    "title",
    "state",
    "programme.pk",
    "programme.title",
    "programme.min_group_size",
    "programme.survey_setup.pinned_at",
    "seminar.number",
]


@pytest.mark.django_db
@pytest.mark.parametrize("next_seminar", [False, True])
def test_the_round_lookup_answers_as_the_orm_for_every_draft_and_round(
    cast, open_round, next_seminar, django_assert_num_queries
):
    query = access._SESSION_QUERIES[True, next_seminar]
    mine = services.new_draft(round=open_round, language="da", unit=cast.units["South"])
    other_round = Round.objects.create(programme=cast.programme, title="Later")
    cases = [
        (open_round.pk, mine.pk),  # the session's draft
        (open_round.pk, uuid.uuid4()),  # a draft id nobody has: the round, no draft
        (other_round.pk, mine.pk),  # the draft is another round's: no draft
        (10**9, mine.pk),  # no such round
    ]
    fields = ROUND_VIEW + (["next_seminar_title", "next_seminar_date"] if next_seminar else [])
    for round_id, draft_id in cases:
        expected = next(iter(query.build(round_id, draft_id)), None)  # the ORM
        with django_assert_num_queries(1):
            found = query.first(round_id, draft_id)
        compare(found, expected, fields if round_id != other_round.pk else ROUND_VIEW[:4])
        if found is not None:
            draft = getattr(found, "own_draft", None)
            assert (draft.pk if draft else None) == (
                mine.pk if (round_id, draft_id) == (open_round.pk, mine.pk) else None
            )
    draft = query.first(open_round.pk, mine.pk).own_draft
    assert (draft.unit_id, draft.language, draft.answers) == (cast.units["South"].pk, "da", {})
    assert draft.idempotency_key == mine.idempotency_key


@pytest.mark.django_db
def test_an_id_beyond_the_column_finds_nothing_and_asks_nothing(open_round):
    query = access._SESSION_QUERIES[False, False]
    with CaptureQueriesContext(transaction.get_connection()) as captured:
        assert query.first(2**63) is None
        assert query.first(-(2**63) - 1) is None
    assert len(captured) == 0
    assert query.first(open_round.pk).pk == open_round.pk


@pytest.mark.django_db(transaction=True)
def test_the_submits_locked_draft_is_the_orms_and_locks_only_the_draft(cast, open_round):
    draft = services.new_draft(round=open_round, language="en", unit=cast.units["North"])
    with transaction.atomic():
        with CaptureQueriesContext(transaction.get_connection()) as captured:
            locked = services._LOCKED_DRAFT.first(draft.pk, open_round.pk, draft.idempotency_key)
        assert locked.pk == draft.pk and locked.round.pk == open_round.pk
        assert locked.round.programme.survey_setup.pinned_at is not None
        if captured.connection.vendor == "postgresql":  # SQLite locks the whole database
            assert captured.captured_queries[-1]["sql"].endswith('FOR UPDATE OF "surveys_draft"')
    assert services._LOCKED_DRAFT.first(draft.pk, open_round.pk, uuid.uuid4()) is None
    assert services._LOCKED_DRAFT.first(uuid.uuid4(), open_round.pk, draft.idempotency_key) is None


@pytest.mark.django_db
def test_a_sample_missing_from_the_query_is_refused(open_round):
    query = CompiledQuery(
        lambda round_id, title: Round.objects.filter(pk=round_id)[:1],
        fields=[Round._meta.pk, Round._meta.get_field("title")],
        samples=[-424_242, "a title nowhere"],
    )
    with pytest.raises(ValueError, match="every sample"):
        query.first(open_round.pk, "x")


@pytest.mark.django_db
def test_constants_of_the_query_are_kept(open_round):
    """A value fixed in the builder (here the state) is sent as compiled, not replaced."""
    query = CompiledQuery(
        lambda round_id: Round.objects.filter(pk=round_id, state=Round.State.OPEN)[:1],
        fields=[Round._meta.pk],
        samples=[-424_242],
    )
    assert query.first(open_round.pk).pk == open_round.pk
    services.close_round(round=open_round)
    assert query.first(open_round.pk) is None
    assert Draft.objects.count() == 0


@pytest.mark.django_db
def test_the_room_codes_query_answers_as_the_orm_for_every_code(
    cast, open_round, django_assert_num_queries
):
    """Every phone in the room sends it when it scans the code: the seminar with its open
    round, its wall board and each kind's flag, as the ORM reads them, for any code."""
    from seminars import rooms
    from seminars.models import Board

    board = Board.objects.get(activity__seminar=open_round.seminar, kind="good_examples")
    Board.objects.filter(pk=board.pk).update(phase="collect")
    open_round.seminar.wall, open_round.seminar.wall_board = "board", board
    open_round.seminar.save()
    query = rooms._room_query()
    seminars = list(cast.programme.seminars.order_by("number"))
    fields = [
        "pk",
        "number",
        "programme.pk",
        "programme.title",
        "wall_board_id",
        "open_round_id",
        "open_round_title",
        *(rooms._flag(kind) for kind in rooms._any_open),
    ]
    for code in [*(seminar.room_code for seminar in seminars), "QQQQQQ"]:
        expected = next(iter(query.build(code)), None)  # the ORM
        with django_assert_num_queries(1):
            found = query.first(code)
        compare(found, expected, fields if code != "QQQQQQ" else [])
    first = query.first(seminars[0].room_code)
    assert (first.open_round_id, first.open_round_title) == (open_round.pk, "Baseline")
    assert first.any_board_open is True and first.wall_board.pk == board.pk
    later = query.first(seminars[1].room_code)
    assert later.open_round_id is None and later.any_board_open is False
