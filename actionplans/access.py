"""Who reaches which team plan: staff through their programme access, phones through the
room (a seat in the seminar whose planning row is open)."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from actionplans.models import Action, PlanningRun, TeamPlan
from programmes.access import ProgrammeAccess
from seminars import schedule
from seminars.access import SeminarOver
from seminars.models import Activity, Seat
from seminars.rooms import session_seat

PLANNING_KINDS = (Activity.Kind.PLANNING, Activity.Kind.FOLLOW_UP)
# Rows whose phones go to their own personal plan (/plan/ and its pages) while open.
PERSONAL_KINDS = (Activity.Kind.PERSONAL_PLAN, Activity.Kind.REFLECTION, Activity.Kind.SPARRING)
OPENABLE_KINDS = PLANNING_KINDS + PERSONAL_KINDS


def visible_plans(access: ProgrammeAccess):
    """The programme's plans this viewer may read: all for facilitators and whole-programme
    managers; a manager limited to a subtree reads its units' plans and the programme's own
    (group plans that mix units stay with the facilitator and the room)."""
    found = TeamPlan.objects.filter(programme=access.programme)
    if not access.sees_whole_programme:
        found = found.filter(unit_id__in=access.visible_unit_ids) | found.filter(
            unit__isnull=True, group__isnull=True
        )
    return found.select_related("unit", "group", "source", "seminar").order_by("pk")


def get_plan(access: ProgrammeAccess, plan_id: int) -> TeamPlan:
    plan = visible_plans(access).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    return plan


def get_action(plan: TeamPlan, action_id: int) -> Action:
    action = Action.objects.select_related("plan__programme").filter(pk=action_id, plan=plan)
    action = action.first()
    if action is None:
        raise Http404
    return action


def get_planning_run(activity: Activity) -> PlanningRun:
    """The run of a plans row (team plans, follow-up, personal plans, reflection, sparring),
    made on first use; other rows: 404."""
    if activity.kind not in OPENABLE_KINDS:
        raise Http404
    run, _created = PlanningRun.objects.get_or_create(activity=activity)
    return run


def get_planning_for_phone(request: HttpRequest, run_id: int) -> tuple[PlanningRun, Seat]:
    """An open planning row in a room this phone entered, with its seat; else 404.

    Raises SeminarOver once the seminar has ended (the views answer 410).
    """
    run = (
        PlanningRun.objects.select_related("activity__seminar__programme")
        .filter(pk=run_id, is_open=True, activity__kind__in=PLANNING_KINDS)
        .first()
    )
    if run is None or run.activity.seminar.programme.is_archived:
        raise Http404
    seat = session_seat(request, run.activity.seminar_id)
    if seat is None:
        raise Http404
    if schedule.is_over(run.activity.seminar):
        raise SeminarOver(run.activity.seminar)
    return run, seat


def plans_for(run: PlanningRun) -> list[TeamPlan]:
    """The plans a planning row works on: those made in its seminar; a follow-up row takes
    up every plan of the programme made before its seminar, open actions carried forward."""
    seminar = run.activity.seminar
    plans = TeamPlan.objects.filter(programme_id=seminar.programme_id)
    if run.activity.kind == Activity.Kind.FOLLOW_UP:
        plans = plans.exclude(seminar__number__gte=seminar.number)
    else:
        plans = plans.filter(seminar=seminar)
    return list(plans.select_related("unit", "group", "source").order_by("pk"))


def planning_rows(programme) -> list[PlanningRun]:
    """The programme's rows about plans, each with its run. A row never opened yet gets an
    unsaved run (closed): the page only reads, and opening it makes the run."""
    activities = Activity.objects.filter(
        seminar__programme=programme, kind__in=OPENABLE_KINDS
    ).select_related("seminar")
    runs = {run.activity_id: run for run in PlanningRun.objects.filter(activity__in=activities)}
    rows = []
    for activity in activities.order_by("seminar__number", "position"):
        run = runs.get(activity.pk) or PlanningRun(activity=activity)
        run.activity = activity
        rows.append(run)
    return rows
