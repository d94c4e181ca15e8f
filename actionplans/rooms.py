"""What of the action plans is open in a seminar's room (registered from ready())."""

from __future__ import annotations

from actionplans.models import PlanningRun
from seminars.models import Seminar
from seminars.rooms import Opening, openings_for


def open_plans(seminar: Seminar) -> list[Opening]:
    """The seminar's planning and follow-up rows the facilitator has opened for phones."""
    runs = PlanningRun.objects.filter(activity__seminar=seminar, is_open=True)
    return openings_for("plans", runs.select_related("activity"), "phone_plans")
