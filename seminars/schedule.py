"""A programme's seminars over time: their order, their sittings, and when each is over.

Seminars are added, removed and reordered after a programme is created; their addresses
hold their ids, so a link stays the same when the numbers change. A seminar may be held in
several sittings (day and night shifts), each with its own date, place, room code and display
link, pooling what happens in them. A seminar is over when the facilitator ends it, or after
its last sitting's day; then its room closes to phones.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from programmes import audit
from programmes.models import Programme
from seminars.models import EvaluationResponse, Post, Seminar, Session, WorkGroup
from seminars.services import DAY_STARTS_AT
from surveys.services import unused_room_code

# --- The sequence -------------------------------------------------------------------------


@transaction.atomic
def add_seminar(*, request: HttpRequest, programme: Programme, title: str) -> Seminar:
    """A new seminar at the end of the programme, with a room code and an empty agenda."""
    Programme.objects.select_for_update().get(pk=programme.pk)  # one numbering at a time
    last = programme.seminars.aggregate(last=Max("number"))["last"] or 0
    seminar = Seminar.objects.create(
        programme=programme,
        number=last + 1,
        title=title,
        starts_at=DAY_STARTS_AT,
        room_code=unused_room_code(),
    )
    audit.record(request, action="seminar.create", obj=seminar, programme=programme)
    return seminar


@transaction.atomic
def move_seminar(*, request: HttpRequest, seminar: Seminar, step: int) -> None:
    """Move a seminar one place earlier (-1) or later (+1); the first and last stay put."""
    ordered = _locked_sequence(seminar.programme)
    index = next(i for i, row in enumerate(ordered) if row.pk == seminar.pk)
    target = index + step
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(ordered)
    audit.record(request, action="seminar.move", obj=seminar, programme=seminar.programme)


@transaction.atomic
def remove_seminar(*, request: HttpRequest, seminar: Seminar) -> None:
    """Delete a seminar with its agenda, boards, notes and evaluations; close the gap.

    Survey rounds held in it stay, without their seminar (their answers are the programme's).
    """
    programme = seminar.programme
    audit.record(request, action="seminar.delete", obj=seminar, programme=programme)
    _locked_sequence(programme)
    seminar.delete()
    _renumber(list(programme.seminars.order_by("number")))


def contents(seminar: Seminar) -> dict[str, int]:
    """What removing the seminar would delete, counted, for the question before it."""
    return {
        "activities": seminar.activities.count(),
        "posts": Post.objects.filter(board__activity__seminar=seminar).count(),
        "groups": WorkGroup.objects.filter(work__activity__seminar=seminar).count(),
        "evaluations": EvaluationResponse.objects.filter(
            evaluation__activity__seminar=seminar
        ).count(),
        "rounds": seminar.rounds.count(),
    }


def _locked_sequence(programme: Programme) -> list[Seminar]:
    return list(programme.seminars.select_for_update().order_by("number"))


def _renumber(ordered: list[Seminar]) -> None:
    """Number the seminars 1, 2, ... in this order (through numbers no seminar has, so the
    unique number per programme holds at every step)."""
    if not ordered:
        return
    offset = max(row.number for row in ordered) + len(ordered) + 1
    for position, row in enumerate(ordered):
        row.number = offset + position
    Seminar.objects.bulk_update(ordered, ["number"])
    for position, row in enumerate(ordered, start=1):
        row.number = position
    Seminar.objects.bulk_update(ordered, ["number"])


# --- Sittings -----------------------------------------------------------------------------


@transaction.atomic
def add_session(*, request: HttpRequest, seminar: Seminar, session: Session) -> Session:
    """A further sitting of the seminar (an unsaved Session from the form), with its code."""
    session.seminar = seminar
    session.room_code = unused_room_code()
    session.save()
    audit.record(request, action="session.create", obj=session, programme=seminar.programme)
    return session


@transaction.atomic
def remove_session(*, request: HttpRequest, session: Session) -> None:
    """Drop a sitting: its code and display link stop working; what was said in it stays."""
    seminar = session.seminar
    audit.record(request, action="session.delete", obj=session, programme=seminar.programme)
    session.delete()


# --- When a seminar is over ---------------------------------------------------------------


def last_day(seminar: Seminar) -> datetime.date | None:
    """The day of the seminar's last sitting, if it has any date at all."""
    days = [seminar.date, *seminar.sessions.values_list("date", flat=True)]
    days = [day for day in days if day is not None]
    return max(days) if days else None


def is_over(seminar: Seminar, *, today: datetime.date | None = None) -> bool:
    """Over when the facilitator ended it, or once its last sitting's day has passed."""
    if seminar.ended_at is not None:
        return True
    today = today or timezone.localdate()
    if seminar.date is not None and seminar.date >= today:
        return False  # the usual case on the day, answered without a query
    day = last_day(seminar)
    return day is not None and day < today


@transaction.atomic
def end_seminar(*, request: HttpRequest, seminar: Seminar) -> None:
    """End the seminar now: its room closes to phones, its display links stop."""
    now = timezone.now()
    seminar.ended_at = now
    seminar.display_valid_until = min(seminar.display_valid_until or now, now)
    seminar.save(update_fields=["ended_at", "display_valid_until"])
    seminar.sessions.filter(display_valid_until__gt=now).update(display_valid_until=now)
    audit.record(request, action="seminar.end", obj=seminar, programme=seminar.programme)


@transaction.atomic
def reopen_seminar(*, request: HttpRequest, seminar: Seminar) -> None:
    """Undo the facilitator's end (a seminar past its last day stays over: change its date)."""
    seminar.ended_at = None
    seminar.save(update_fields=["ended_at"])
    audit.record(request, action="seminar.reopen", obj=seminar, programme=seminar.programme)
