"""What of the action plans is open in a seminar's room (registered from ready())."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from actionplans.access import PLANNING_KINDS
from actionplans.models import PlanningRun
from seminars.models import Activity, Seminar
from seminars.rooms import Opening

# A personal row sends the phone to the participant's own plan: no plan is named in a URL.
PERSONAL_PAGES = {
    Activity.Kind.PERSONAL_PLAN: "plan_home",
    Activity.Kind.REFLECTION: "plan_reflect",
    Activity.Kind.SPARRING: "plan_share",
}


def open_plans(seminar: Seminar) -> list[Opening]:
    """The seminar's plan rows the facilitator has opened for phones: team plans and their
    follow-up (the room's shared plans), or each phone's own personal plan."""
    runs = PlanningRun.objects.filter(activity__seminar=seminar, is_open=True)
    openings = []
    for run in runs.select_related("activity").order_by("activity__position"):
        kind = run.activity.kind
        if kind in PLANNING_KINDS:
            url = reverse("phone_plans", args=[run.pk])
        elif kind in PERSONAL_PAGES:
            url = reverse(PERSONAL_PAGES[kind])
        else:
            continue
        openings.append(Opening("plans", url, _seat_is_enough, title=run.activity.title))
    return openings


def _seat_is_enough(request: HttpRequest) -> None:
    """The room's seat is all a phone needs: the plan pages find the programme by it."""
