"""Reminders by e-mail, meant for a daily timer: before a follow-up seminar, look at your
plan; while a round is open and your personal link has not answered, answer it.

No plan content and no new link in any mail: reissuing a link would void the printed slip,
so the mail says to use the link or slip the person already has. Each participant gets each
reminder once; staff see how many were sent, never to whom or what.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from actionplans.models import Reminder
from programmes.models import Participant, Programme
from seminars.models import Activity, Seminar
from surveys.models import Participation, Round

DAYS_AHEAD = 3  # a seminar this close gets its "look at your plan" reminder
PLAN_KINDS = (Activity.Kind.FOLLOW_UP, Activity.Kind.REFLECTION)


@dataclass(frozen=True)
class Sent:
    seminars: int
    rounds: int


def send_due(*, today: datetime.date | None = None) -> Sent:
    """Send every reminder that is due now, once per participant and occasion."""
    today = today or timezone.localdate()
    seminars = rounds = 0
    for seminar in _seminars_ahead(today):
        people = seminar.programme.participants.exclude(email="")
        seminars += _send(people, f"seminar:{seminar.pk}", "emails/reminder_plan.txt", seminar)
    for round in Round.objects.filter(state=Round.State.OPEN).select_related("programme"):
        if round.programme.is_archived:
            continue
        answered = Participation.objects.filter(round=round).values("participant_id")
        people = (
            round.programme.participants.exclude(email="")
            .exclude(link_issued_at=None)
            .exclude(pk__in=answered)
        )
        rounds += _send(people, f"round:{round.pk}", "emails/reminder_round.txt", round)
    return Sent(seminars, rounds)


def _seminars_ahead(today: datetime.date):
    """Seminars with a follow-up or a reflection on the agenda, held in the next few days."""
    return (
        Seminar.objects.filter(
            date__gt=today,
            date__lte=today + datetime.timedelta(days=DAYS_AHEAD),
            activities__kind__in=PLAN_KINDS,
            programme__status=Programme.Status.ACTIVE,
        )
        .select_related("programme")
        .distinct()
    )


def _send(people, occasion: str, template: str, subject_of) -> int:
    sent = 0
    for participant in people.select_related("programme"):
        try:
            with transaction.atomic():
                Reminder.objects.create(participant=participant, occasion=occasion)
        except IntegrityError:
            continue  # reminded before
        _mail(participant, template, subject_of)
        sent += 1
    return sent


def _mail(participant: Participant, template: str, about) -> None:
    programme = participant.programme
    with translation.override(programme.language):
        if isinstance(about, Seminar):
            subject = _("Before “%(seminar)s”: look at your plan") % {"seminar": about.title}
        else:
            subject = _("Your answers are missing: %(round)s") % {"round": about.title}
        body = render_to_string(
            template, {"participant": participant, "programme": programme, "about": about}
        )
    send_mail(str(subject), body, None, [participant.email])


def counts(programme: Programme) -> dict[str, int]:
    """How many reminders went out per occasion (labels in the caller's language)."""
    rows = Reminder.objects.filter(participant__programme=programme)
    by_occasion = Counter(rows.values_list("occasion", flat=True))
    labels = {}
    for seminar in programme.seminars.all():
        labels[f"seminar:{seminar.pk}"] = _("Before %(seminar)s") % {"seminar": seminar}
    for round in programme.rounds.all():
        labels[f"round:{round.pk}"] = _("To answer %(round)s") % {"round": round.title}
    return {labels.get(occasion, occasion): n for occasion, n in sorted(by_occasion.items())}
