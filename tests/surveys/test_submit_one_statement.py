"""The submit's usual write on PostgreSQL: one statement stores the draft as the request read it.

surveys.services._store_as_read deletes the draft only if it still holds what the request
read, and writes the response and its answers from that delete. These tests check that it
stores exactly what the locked path stores, that it is one statement, and that whenever
the draft is not as it was read (another tap saved it, the round closed, the same
submission was already stored) it stores nothing and the submit answers as the locked path
always did. The tests run without a test transaction around them, so that the statements
are counted as production sends them.

How they were made sure to fail: with the draft's answers left out of the delete's
condition, the submit after another tap stored the answers as first read (a 3 where the
draft held a 5); with the round's state left out, a submit read before a close stored a
response into the closed round.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from surveys import services
from surveys.models import Draft, Response

pytestmark = pytest.mark.django_db(transaction=True)


def ready_draft(round, unit, items, value=3) -> Draft:
    draft = services.new_draft(round=round, language="sv", unit=unit)
    answers = {item.pk: value for item in items} | {items[0].pk: services.DONT_KNOW}
    return services.save_answers(draft=draft, answers=answers)


def as_read(draft: Draft) -> Draft:
    """The draft as a submit's request reads it: with its round, programme and set-up."""
    return Draft.objects.select_related("round__programme__survey_setup").get(pk=draft.pk)


def send(draft: Draft, read: Draft | None) -> services.Submitted:
    return services.submit(
        round_id=draft.round_id,
        draft_id=draft.pk,
        key=draft.idempotency_key,
        participant=None,
        read=read,
    )


def stored(draft: Draft) -> tuple[dict, dict]:
    """The response stored for the draft's key (without its own id and key), and its answers."""
    response = Response.objects.get(idempotency_key=draft.idempotency_key)
    fields = model_to_dict(response, exclude=["id", "idempotency_key"])
    answers = dict(response.answers.values_list("item_id", "value"))
    return fields, answers


def test_one_statement_stores_what_the_locked_path_stores(cast, open_round, items):
    unit = cast.units["South"]
    quick, locked = ready_draft(open_round, unit, items), ready_draft(open_round, unit, items)
    read = as_read(quick)
    services.round_items(read.round)  # the worker's first read of the pinned items
    with CaptureQueriesContext(connection) as captured:
        assert send(quick, read).created
    assert [q["sql"].split()[0] for q in captured.captured_queries] == ["WITH"]
    assert send(locked, None).created
    assert stored(quick) == stored(locked)
    fields, answers = stored(quick)
    assert fields["language"] == "sv" and fields["unit"] == unit.pk
    assert answers[items[0].pk] is None  # "don't know"
    assert set(answers) == {item.pk for item in items}
    assert not Draft.objects.exists()


def test_a_tap_saved_after_the_read_is_stored_not_the_answers_read(cast, open_round, items):
    draft = ready_draft(open_round, cast.units["South"], items, value=3)
    read = as_read(draft)
    services.save_answers(draft=draft, answers={items[1].pk: 5})  # another tab, meanwhile
    assert send(draft, read).created
    _fields, answers = stored(draft)
    assert answers[items[1].pk] == 5
    assert Response.objects.count() == 1


def test_a_round_closed_after_the_read_gets_nothing(cast, open_round, items):
    draft = ready_draft(open_round, cast.units["South"], items)
    read = as_read(draft)
    open_round.state = open_round.State.CLOSED  # the close's state, its drafts not yet gone
    open_round.save(update_fields=["state"])
    assert not services._store_as_read(read)
    with pytest.raises(services.RoundClosed):
        send(draft, read)
    assert not Response.objects.exists()


def test_a_copy_of_the_same_submission_stores_nothing_more(cast, open_round, items):
    draft = ready_draft(open_round, cast.units["South"], items)
    read = as_read(draft)
    assert send(draft, read).created
    with CaptureQueriesContext(connection) as captured:
        again = send(draft, read)  # a double tap that read the draft before the first deleted it
    assert not again.created and again.round_id == open_round.pk
    # The statement that deletes nothing, then the stored response; no lock taken.
    assert [q["sql"].split()[0] for q in captured.captured_queries] == ["WITH", "SELECT"]
    assert Response.objects.count() == 1


def test_a_draft_without_a_unit_takes_the_locked_path_and_is_refused(cast, open_round, items):
    draft = services.save_answers(
        draft=services.new_draft(round=open_round, language="da"),
        answers={item.pk: 4 for item in items},
    )
    with CaptureQueriesContext(connection) as captured, pytest.raises(services.NoUnitChosen):
        send(draft, as_read(draft))
    assert not any("WITH sent" in q["sql"] for q in captured.captured_queries)
    assert Draft.objects.filter(pk=draft.pk).exists() and not Response.objects.exists()


def test_a_read_of_another_draft_is_not_used(cast, open_round, items):
    """The ids in the form decide what is sent; a read that does not match them is ignored."""
    mine = ready_draft(open_round, cast.units["South"], items, value=2)
    other = ready_draft(open_round, cast.units["North"], items, value=5)
    assert send(mine, as_read(other)).created
    fields, _answers = stored(mine)
    assert fields["unit"] == cast.units["South"].pk
    assert Draft.objects.filter(pk=other.pk).exists()
