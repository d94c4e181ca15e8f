"""Seminar operations that touch several rows."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import translation

from programmes.models import Programme
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
