"""What of the action plans is open in a seminar's room (registered from ready())."""

from __future__ import annotations

from django.db.models import Count, Exists, Max, OuterRef
from django.http import HttpRequest
from django.urls import reverse

from actionplans import overview
from actionplans.access import PLANNING_KINDS, plans_for
from actionplans.models import Action, PlanningRun, TeamPlan
from seminars.models import Activity, Seminar
from seminars.rooms import Opening, WallContent

# A personal row sends the phone to the participant's own plan: no plan is named in a URL.
PERSONAL_PAGES = {
    Activity.Kind.PERSONAL_PLAN: "plan_home",
    Activity.Kind.REFLECTION: "plan_reflect",
    Activity.Kind.SPARRING: "plan_share",
}


def any_plans_open() -> Exists:
    return Exists(PlanningRun.objects.filter(activity__seminar=OuterRef("pk"), is_open=True))


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


def wall_plans(activity: Activity) -> WallContent:
    """The plans of a planning or follow-up row, large, for the wall (owners included: the
    wall is the team's room; no rating figure below k answers)."""
    run = PlanningRun.objects.select_related("activity__seminar__programme").get(activity=activity)
    plans = plans_for(run)
    ids = [plan.pk for plan in plans]
    stamp = TeamPlan.objects.filter(pk__in=ids).aggregate(changed=Max("updated_at"))["changed"]
    actions = Action.objects.filter(plan_id__in=ids).aggregate(
        changed=Max("updated_at"), count=Count("pk"), ratings=Count("ratings")
    )
    version = "-".join(
        str(part)
        for part in (
            ",".join(map(str, ids)),
            stamp.timestamp() if stamp else 0,
            actions["changed"].timestamp() if actions["changed"] else 0,
            actions["count"],
            actions["ratings"],
        )
    )
    k = run.activity.seminar.programme.min_group_size
    cards = [overview.plan_card(plan, owners=True, k=k) for plan in plans]
    return WallContent(
        version, "actionplans/wall_plans.html", {"activity": activity, "cards": cards}
    )
