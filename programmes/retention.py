"""How long a programme's data is kept, and the daily run that enforces it.

A programme is kept for `retention_months` (12 unless the client, as controller, chose
otherwise) after its last activity: the latest of its seminars' and sessions' dates, its
rounds' planned or actual dates, and its creation. After that day the daily `retention`
command marks it deleted and purges it (`programmes.deletion`), as a facilitator's delete
would; the log names the system as the actor.

The same run clears what expires on its own: failed-attempt counters past their window,
survey drafts nobody came back to, projector links past their day, invitations that ran
out, and expired sessions. Each part is bounded and idempotent: a run that is stopped is
made good by the next.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.db.models import Max, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from programmes import deletion
from programmes.models import (
    AuditEntry,
    ManagerInvitation,
    Programme,
    RateCounter,
    WorkspaceInvitation,
)

DRAFT_DAYS = 30  # a draft untouched this long is dropped (its round is long over)
INVITATION_DAYS = 30  # an invitation this long past its expiry, or its acceptance, is dropped


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day (31 January + 1 = 28/29 February)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def last_activity(programme: Programme) -> datetime.date:
    """The day of the programme's latest seminar, session or survey round, or its creation."""
    from seminars.models import Seminar, Session
    from surveys.models import Round

    days = [timezone.localtime(programme.created_at).date()]
    days.append(Seminar.objects.filter(programme=programme).aggregate(d=Max("date"))["d"])
    days.append(Session.objects.filter(seminar__programme=programme).aggregate(d=Max("date"))["d"])
    rounds = Round.objects.filter(programme=programme).aggregate(
        opened=Max(TruncDate("opens_at")),
        closed=Max(TruncDate("closes_at")),
        made=Max(TruncDate("created_at")),
    )
    days += rounds.values()
    return max(day for day in days if day is not None)


def retention_end(programme: Programme) -> datetime.date:
    """The first day the programme's data is no longer kept."""
    return add_months(last_activity(programme), programme.retention_months)


@dataclass
class Run:
    """What one run did, for the command's output and the tests."""

    marked: list[int] = field(default_factory=list)  # programmes past their retention
    purged: list[int] = field(default_factory=list)  # programmes whose rows are all gone
    unfinished: list[int] = field(default_factory=list)  # left for the next run (budget)
    counters: int = 0
    drafts: int = 0
    display_links: int = 0
    invitations: int = 0
    sessions: bool = False


def run(*, today: datetime.date | None = None, budget: float | None = None) -> Run:
    """Enforce retention and clear what has expired; `budget` bounds the purging, in seconds."""
    from seminars.models import Seminar, Session
    from surveys.models import Draft

    today = today or timezone.localdate()
    now = timezone.now()
    done = Run()
    for programme in Programme.objects.all():
        if retention_end(programme) <= today:
            deletion.mark_deleted(programme=programme)
            AuditEntry.objects.create(
                actor="",
                role="system",
                workspace_id=programme.workspace_id,
                programme_id=programme.pk,
                action="programme.retention_delete",
                object_type="programmes.programme",
                object_id=str(programme.pk),
            )
            done.marked.append(programme.pk)
    for programme_id in Programme.all_objects.filter(deleted_at__isnull=False).values_list(
        "pk", flat=True
    ):
        if deletion.purge(programme_id, budget=budget):
            done.purged.append(programme_id)
        else:
            done.unfinished.append(programme_id)
    done.counters = RateCounter.objects.filter(expires_at__lt=now).delete()[0]
    stale = today - datetime.timedelta(days=DRAFT_DAYS)
    done.drafts = Draft.objects.filter(touched_on__lt=stale).delete()[0]
    for model in (Seminar, Session):
        done.display_links += (
            model.objects.filter(display_valid_until__lt=now)
            .exclude(display_token_hash="")
            .update(display_token_hash="", display_valid_until=None)
        )
    gone = now - datetime.timedelta(days=INVITATION_DAYS)
    for model in (ManagerInvitation, WorkspaceInvitation):  # they hold an e-mail address
        done.invitations += model.objects.filter(
            Q(accepted_at__isnull=True, expires_at__lt=gone) | Q(accepted_at__lt=gone)
        ).delete()[0]
    # Expired sessions go too (Django's `clearsessions`): a phone's session holds its link's
    # hash beside its seats, which nothing else needs once it has expired.
    engine = import_module(settings.SESSION_ENGINE)
    try:
        engine.SessionStore.clear_expired()
        done.sessions = True
    except NotImplementedError:  # a store that expires on its own (cache, cookies)
        done.sessions = False
    return done
