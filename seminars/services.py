"""Seminar operations that touch several rows."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone, translation

from programmes.models import Programme, hash_token, new_token
from seminars.blueprints import BLUEPRINTS
from seminars.models import Activity, Seminar

DAY_STARTS_AT = datetime.time(9, 0)


@transaction.atomic
def create_seminars_from_template(*, programme: Programme) -> list[Seminar]:
    """Create the programme's seminars and agendas from its template, in its language."""
    seminars = []
    with translation.override(programme.language):
        for number, blueprint in enumerate(BLUEPRINTS[programme.template], start=1):
            seminar = Seminar.objects.create(
                programme=programme,
                number=number,
                title=str(blueprint.title),
                goals=str(blueprint.goals),
                starts_at=DAY_STARTS_AT,
            )
            clock = datetime.datetime.combine(datetime.date(2000, 1, 1), DAY_STARTS_AT)
            activities = []
            for position, activity in enumerate(blueprint.activities):
                stop = clock + datetime.timedelta(minutes=activity.minutes)
                activities.append(
                    Activity(
                        seminar=seminar,
                        position=position,
                        title=str(activity.title),
                        kind=activity.kind,
                        starts_at=clock.time(),
                        ends_at=stop.time(),
                    )
                )
                clock = stop
            Activity.objects.bulk_create(activities)
            seminar.ends_at = clock.time()
            seminar.save(update_fields=["ends_at"])
            seminars.append(seminar)
    return seminars


DISPLAY_HOURS_WITHOUT_DATE = 12


def issue_display_token(*, seminar: Seminar, token: str | None = None) -> str:
    """A new read-only display link for the projector, valid to the end of the seminar day.

    A given token replaces the random one: the demo derives its own from the secret key, so
    that running it again prints the same projector address.
    """
    if token is None:
        token, token_hash = new_token()
    else:
        token_hash = hash_token(token)
    now = timezone.now()
    if seminar.date is not None and seminar.date >= timezone.localdate():
        end_of_day = datetime.datetime.combine(seminar.date, datetime.time(23, 59))
        valid_until = timezone.make_aware(end_of_day)
    else:
        valid_until = now + datetime.timedelta(hours=DISPLAY_HOURS_WITHOUT_DATE)
    seminar.display_token_hash = token_hash
    seminar.display_valid_until = valid_until
    seminar.save(update_fields=["display_token_hash", "display_valid_until"])
    return token
