"""What a submit locks: its own draft, never the round, and a close still counts it.

Two hundred phones submit to one round in the same minute. A submit locks only its draft, so
submits run side by side; a close deletes the round's drafts before it counts what is
pending, so it waits for every submit that holds a draft and counts what they store.

Both ways a submit writes are held so: the one statement that usually stores a draft on
PostgreSQL (held open in a transaction around it), and the locked path's transaction.

Each test holds a real row lock in one database connection (a thread) while another
connection works; waits are bounded by PostgreSQL's `lock_timeout` and the threads' joins,
never measured. How they were made sure to fail: with the round locked as well
(`of=("self", "round")`) the second submit hit the lock timeout; with the close counting
before it deletes the drafts, it counted k - 1 and published nothing; with the close
locking the round FOR UPDATE (not FOR NO KEY UPDATE), the submit's response insert waited
for the round's key-share lock while the close waited for the draft: a deadlock.
"""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, close_old_connections, connection, transaction

from surveys import services
from surveys.models import Draft, Response
from tests.factories import answer_round

WAIT = 10  # seconds any thread waits for another before the test gives up


def ready_draft(round, unit, items):
    draft = services.new_draft(round=round, language="en", unit=unit)
    return services.save_answers(draft=draft, answers={item.pk: 4 for item in items})


def as_read(draft) -> Draft:
    """The draft as a submit's request reads it: with its round, programme and set-up."""
    return Draft.objects.select_related("round__programme__survey_setup").get(pk=draft.pk)


class HeldDraft(threading.Thread):
    """A submit in its own connection that stops with its draft locked until released.

    `one_statement`: the submit's usual write on PostgreSQL (services._store_as_read), held
    open in a transaction around it; else the locked path's transaction.
    """

    def __init__(self, draft, *, one_statement: bool = False) -> None:
        super().__init__(daemon=True)
        self.draft = draft
        self.one_statement = one_statement
        self.held = threading.Event()
        self.release = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with transaction.atomic():
                if self.one_statement:
                    assert services._store_as_read(as_read(self.draft)), "stored nothing"
                    self.held.set()
                    assert self.release.wait(WAIT), "never released"
                    return
                locked = services._locked_draft(
                    round_id=self.draft.round_id,
                    draft_id=self.draft.pk,
                    key=self.draft.idempotency_key,
                )
                self.held.set()
                assert self.release.wait(WAIT), "never released"
                services._store_response(locked)
                locked.delete()
        except BaseException as error:  # reported by the test's thread
            self.error = error
            self.held.set()
        finally:
            connection.close()


def lock_timeout(seconds: int):
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{seconds}s'")


PATHS = pytest.mark.parametrize("one_statement", [True, False], ids=["one statement", "locked"])


@pytest.mark.django_db(transaction=True)
@PATHS
def test_two_submits_to_one_round_do_not_wait_for_each_other(
    cast, open_round, items, one_statement
):
    first = ready_draft(open_round, cast.units["South"], items)
    second = ready_draft(open_round, cast.units["North"], items)
    holder = HeldDraft(first, one_statement=one_statement)
    holder.start()
    try:
        assert holder.held.wait(WAIT) and holder.error is None
        lock_timeout(3)
        try:
            sent = services.submit(
                round_id=open_round.pk,
                draft_id=second.pk,
                key=second.idempotency_key,
                participant=None,
                read=as_read(second) if one_statement else None,
            )
        except OperationalError as error:  # LockNotAvailable: the round was locked
            pytest.fail(f"the second submit waited for the first one's lock: {error}")
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
        assert sent.created
    finally:
        holder.release.set()
        holder.join(WAIT)
    assert holder.error is None
    assert Response.objects.filter(round=open_round).count() == 2


def waiting_for_a_lock() -> bool:
    """Whether another connection of this database waits for a row lock (bounded poll)."""
    for _ in range(100):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
        threading.Event().wait(0.1)
    return False


@pytest.mark.django_db(transaction=True)
@PATHS
def test_a_close_waits_for_a_submit_in_flight_and_counts_it(cast, open_round, items, one_statement):
    """k - 1 answers are stored and the k-th is being stored when the facilitator closes:
    the close waits for it, counts k and publishes."""
    k = cast.programme.min_group_size
    answer_round(open_round, cast.units["South"], 4, count=k - 1)
    draft = ready_draft(open_round, cast.units["South"], items)
    holder = HeldDraft(draft, one_statement=one_statement)
    holder.start()
    closed: list = []

    def close() -> None:
        try:
            closed.append(services.close_round(round=open_round))
        finally:
            close_old_connections()
            connection.close()

    closer = threading.Thread(target=close, daemon=True)
    try:
        assert holder.held.wait(WAIT) and holder.error is None
        closer.start()
        assert waiting_for_a_lock(), "the close did not wait for the draft in flight"
    finally:
        holder.release.set()
        holder.join(WAIT)
        closer.join(WAIT)
    assert holder.error is None
    assert Response.objects.filter(round=open_round).count() == k
    open_round.refresh_from_db()
    assert open_round.state == open_round.State.CLOSED
    assert len(open_round.published) == 1, "the close counted k - 1 and held everything back"
