"""Team action plans: the facilitator's and managers' pages, and the scribe's phone.

Facilitators see and edit everything, owners included (a client co-facilitator sees owners
only where the workspace allows names). Managers read plans and actions
without owner names (DESIGN.md's audience table), within their subtree. Phones reach the
plans of an open planning or follow-up row through the room, with the seat it gave them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from actionplans import overview, reminders, services
from actionplans.access import (
    PLANNING_KINDS,
    get_action,
    get_plan,
    get_planning_for_phone,
    get_planning_run,
    planning_rows,
    plans_for,
)
from actionplans.forms import ActionForm, DifferenceForm, FollowUpForm, NewPlanForm, PlanForm
from actionplans.models import Action, TeamPlan
from programmes import audit
from programmes.access import (
    ProgrammeAccess,
    get_facilitator_access,
    get_programme_access,
    get_programme_for_facilitator,
)
from programmes.htmx import posted, render_page
from programmes.inputs import parse_id
from programmes.participants import phone_language, render_participant
from seminars import services as seminars_services
from seminars.access import answers_seminar_over, get_activity, get_seminar
from seminars.models import Activity, Board, PostGroup, Wall
from surveys import exports

# --- Staff: the programme's plans -----------------------------------------------------


def changes_plans(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A staff change to a programme's plans: only a facilitator's, and not once the
    programme is archived (410 with a plain message; what is stored stays)."""

    @wraps(view)
    def wrapper(request: HttpRequest, pk: int, *args, **kwargs) -> HttpResponse:
        if request.method == "POST":
            programme = get_programme_for_facilitator(request.user, pk)
            if programme.is_archived:
                message = _("The programme is archived, so its plans can no longer be changed.")
                return HttpResponse(message, status=410)
        return view(request, pk, *args, **kwargs)

    return wrapper


@require_http_methods(["GET", "POST"])
@changes_plans
def plans(request: HttpRequest, pk: int) -> HttpResponse:
    """Every team plan of the programme with its progress; facilitators start new ones."""
    access = get_programme_access(request.user, pk)
    programme = access.programme
    if request.method == "POST" and not access.is_facilitator:
        raise Http404
    form = None
    if access.is_facilitator:
        form = NewPlanForm(
            posted(request),
            programme=programme,
            initial=_made_at(request),
        )
    if request.method == "POST" and form.is_valid():
        plan = services.create_plan(
            request=request,
            programme=programme,
            title=form.cleaned_data["title"],
            unit=form.cleaned_data["unit"],
            group=form.cleaned_data["group"],
            focus=form.cleaned_data["focus"],
            seminar=form.cleaned_data["seminar"],
        )
        messages.success(request, _("The plan has been made. Write its goal and actions."))
        return redirect("plan_detail", programme.pk, plan.pk)
    return render_page(
        request,
        "actionplans/plans.html",
        {
            "programme": programme,
            "access": access,
            "summary": overview.overview(access),
            "form": form,
            "runs": planning_rows(programme) if access.is_facilitator else [],
            "reminders": reminders.counts(programme) if access.is_facilitator else {},
        },
        status=422 if form is not None and form.errors else 200,
    )


@require_GET
def plans_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The plans as CSV, an action a row; owners only in a facilitator's file."""
    access = get_programme_access(request.user, pk)
    table = overview.export_rows(overview.overview(access))
    audit.record(request, action="plans.export_csv", programme=access.programme, role=access.role)
    response = HttpResponse(
        exports.as_csv(table, language=translation.get_language()),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="plans-{access.programme.pk}.csv"'
    return response


def _facilitator(request: HttpRequest, pk: int) -> ProgrammeAccess:
    """The access of someone who runs the programme, in their true role (404 for anyone
    else): a co-facilitator sees action owners only if the workspace allows names."""
    return get_facilitator_access(request.user, pk)


def _action_fields(form: ActionForm) -> dict:
    """An action form's values by the names the services take; a field the form leaves out
    (the owner, for a viewer who may not see it) keeps the action's value."""
    return {
        name: form.cleaned_data[name] if name in form.fields else getattr(form.instance, name)
        for name in services.ACTION_FIELDS
    }


def _made_at(request: HttpRequest) -> dict:
    """A new plan is worked on at the seminar whose planning row sent the facilitator here."""
    activity_id = parse_id(request.GET.get("activity", ""))
    if activity_id is None:
        return {}
    seminar_id = Activity.objects.filter(pk=activity_id).values_list("seminar_id", flat=True)
    return {"seminar": seminar_id.first()}


def _plan_page(
    request,
    access,
    plan,
    *,
    status=200,
    row_forms: dict | None = None,
    row_stale: dict | None = None,
    **forms,
) -> HttpResponse:
    """The plan's page; a row whose save failed keeps its form (errors) or both texts."""
    facilitator = access.is_facilitator
    card = overview.plan_card(plan, owners=access.sees_names, k=access.programme.min_group_size)
    row_forms, row_stale = row_forms or {}, row_stale or {}
    actions = {action.pk: action for action in plan.actions.all()}
    rows = [
        (
            row,
            (row_forms.get(row.pk) or _row_form(actions[row.pk], access)) if facilitator else None,
            row_stale.get(row.pk),
        )
        for row in card.rows
    ]
    context = {
        "programme": access.programme,
        "access": access,
        "plan": plan,
        "card": card,
        "rows": rows,
        "focus": services.focus_figures(access.programme, plan.unit),
        "plan_form": PlanForm(instance=plan, initial={"version": plan.version})
        if facilitator
        else None,
        "action_form": ActionForm(prefix="new", owners=access.sees_names) if facilitator else None,
        "follow_key": uuid.uuid4(),
        "status_choices": Action.Status.choices,
        "stale": None,
    }
    context.update(forms)
    return render_page(request, "actionplans/plan_detail.html", context, status=status)


def _row_form(action: Action, access: ProgrammeAccess) -> ActionForm:
    return ActionForm(
        instance=action,
        prefix=f"a{action.pk}",
        initial={"version": action.version},
        owners=access.sees_names,
    )


@require_http_methods(["GET", "POST"])
@changes_plans
def plan_detail(request: HttpRequest, pk: int, plan_id: int) -> HttpResponse:
    """One plan: its goal, success sign and actions; the facilitator edits it in place."""
    access = get_programme_access(request.user, pk)
    plan = get_plan(access, plan_id)
    if request.method == "GET":
        return _plan_page(request, access, plan)
    if not access.is_facilitator:
        raise Http404
    form = PlanForm(request.POST, instance=TeamPlan.objects.get(pk=plan.pk))
    if not form.is_valid():
        return _plan_page(request, access, plan, plan_form=form, status=422)
    try:
        services.save_plan(
            request=request,
            plan=plan,
            version=form.cleaned_data["version"],
            fields={name: form.cleaned_data[name] for name in services.PLAN_FIELDS},
        )
    except services.Stale as stale:
        fresh = PlanForm(instance=stale.current, initial={"version": stale.current.version})
        return _plan_page(
            request,
            access,
            stale.current,
            plan_form=fresh,
            stale={"mine": form.cleaned_data},
            status=409,
        )
    messages.success(request, _("The plan has been saved."))
    return redirect("plan_detail", pk, plan.pk)


@require_POST
@changes_plans
def action_add(request: HttpRequest, pk: int, plan_id: int) -> HttpResponse:
    access = _facilitator(request, pk)
    programme = access.programme
    plan = get_plan(access, plan_id)
    form = ActionForm(request.POST, prefix="new", owners=access.sees_names)
    if not form.is_valid():
        return _plan_page(request, access, plan, action_form=form, status=422)
    services.add_action(
        request=request,
        plan=plan,
        **_action_fields(form),
    )
    messages.success(request, _("The action has been added."))
    return redirect(reverse("plan_detail", args=[programme.pk, plan.pk]) + "#actions")


@require_POST
@changes_plans
def action_edit(request: HttpRequest, pk: int, plan_id: int, action_id: int) -> HttpResponse:
    """Save one action (the row is its own form: htmx swaps the row, or the page reloads)."""
    access = _facilitator(request, pk)
    plan = get_plan(access, plan_id)
    action = get_action(plan, action_id)
    form = ActionForm(
        request.POST,
        instance=Action.objects.get(pk=action.pk),
        prefix=f"a{action.pk}",
        owners=access.sees_names,
    )
    if not form.is_valid() or form.cleaned_data["version"] is None:
        return _row_answer(request, access, plan, action, form=form, status=422)
    try:
        action = services.save_action(
            request=request,
            action=action,
            version=form.cleaned_data["version"],
            fields=_action_fields(form),
        )
    except services.Stale as conflict:
        current = conflict.current
        return _row_answer(request, access, plan, current, stale=form.cleaned_data, status=409)
    if not request.htmx:
        return redirect(reverse("plan_detail", args=[pk, plan.pk]) + f"#action-{action.pk}")
    return _row_answer(request, access, plan, action)


def _row_answer(request, access, plan, action, *, form=None, stale=None, status=200):
    """The saved (or refused) action row: its partial for htmx, else the whole page."""
    if not request.htmx:
        return _plan_page(
            request,
            access,
            plan,
            status=status,
            row_forms={action.pk: form} if form is not None else None,
            row_stale={action.pk: stale} if stale is not None else None,
        )
    fresh = Action.objects.select_related("plan__programme").get(pk=action.pk)
    return render_page(
        request,
        "actionplans/plan_detail.html",
        {
            "programme": access.programme,
            "access": access,
            "plan": plan,
            "row": overview.action_row(fresh, owners=access.sees_names),
            "form": form or _row_form(fresh, access),
            "stale": stale,
            "follow_key": uuid.uuid4(),
            "status_choices": Action.Status.choices,
        },
        partial="action-row",
        status=status,
    )


@require_POST
@changes_plans
def action_delete(request: HttpRequest, pk: int, plan_id: int, action_id: int) -> HttpResponse:
    plan = get_plan(_facilitator(request, pk), plan_id)
    services.delete_action(request=request, action=get_action(plan, action_id))
    messages.success(request, _("The action has been removed."))
    return redirect(reverse("plan_detail", args=[pk, plan.pk]) + "#actions")


@require_POST
@changes_plans
def action_follow_up(request: HttpRequest, pk: int, plan_id: int, action_id: int) -> HttpResponse:
    access = _facilitator(request, pk)
    plan = get_plan(access, plan_id)
    action = get_action(plan, action_id)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        return _plan_page(request, access, plan, status=422, follow_up={action.pk: form})
    services.follow_up(
        request=request,
        action=action,
        seminar=None,
        status=form.cleaned_data["status"],
        note=form.cleaned_data["note"],
        key=form.cleaned_data["key"],
    )
    messages.success(request, _("The follow-up has been saved."))
    return redirect(reverse("plan_detail", args=[pk, plan.pk]) + f"#action-{action.pk}")


@require_POST
@changes_plans
def action_win(request: HttpRequest, pk: int, plan_id: int, action_id: int) -> HttpResponse:
    """Send a done action to the programme's wins board, with one click."""
    access = _facilitator(request, pk)
    programme = access.programme
    plan = get_plan(access, plan_id)
    action = get_action(plan, action_id)
    if action.status != Action.Status.DONE:
        return HttpResponse(_("Only a done action can go to the wins board."), status=409)
    board = (
        Board.objects.filter(activity__seminar__programme=programme, kind=Board.Kind.WINS)
        .select_related("activity__seminar__programme")
        .order_by("activity__seminar__number", "activity__position")
        .first()
    )
    if board is None:
        return HttpResponse(_("The programme has no wins board."), status=409)
    services.send_to_wins(request=request, action=action, board=board)
    messages.success(request, _("The action is on the wins board."))
    return redirect(reverse("plan_detail", args=[pk, plan.pk]) + f"#action-{action.pk}")


@require_POST
@changes_plans
def plan_from_item(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    """A voted improvement area becomes a team plan with one click (a second click finds it)."""
    programme = get_programme_for_facilitator(request.user, pk)
    item = (
        PostGroup.objects.filter(
            pk=item_id,
            board__activity__seminar__programme=programme,
            board__kind=Board.Kind.IMPROVEMENT_AREAS,
        )
        .select_related("board__activity__seminar")
        .first()
    )
    if item is None:
        raise Http404
    plan = services.plan_from_item(request=request, item=item)
    return redirect("plan_detail", programme.pk, plan.pk)


@require_POST
@changes_plans
def planning_open(request: HttpRequest, pk: int, seminar_id: int, activity_id: int):
    """Open (or close) a planning or follow-up row's plans to phones in the room."""
    programme = get_programme_for_facilitator(request.user, pk)
    activity = get_activity(get_seminar(programme, seminar_id), activity_id)
    opened = request.POST.get("open") == "1"
    on_wall = request.POST.get("wall") == "1" and activity.kind in PLANNING_KINDS
    with transaction.atomic():
        run = get_planning_run(activity)
        if run.is_open != opened:
            run.is_open = opened
            run.save(update_fields=["is_open"])
            action = "planning.open" if opened else "planning.close"
            audit.record(request, action=action, obj=run, programme=programme)
        if on_wall:  # a second change, with its own row
            seminars_services.present(
                request=request, seminar=activity.seminar, wall=Wall.PLANS, activity=activity
            )
    if opened:
        messages.success(request, _("The plans are open for phones in the room."))
    else:
        messages.success(request, _("The plans are closed for phones."))
    if on_wall:
        messages.success(request, _("The wall shows the plans now."))
    return redirect(reverse("plans", args=[programme.pk]) + f"?activity={activity.pk}")


# --- Phones: the scribe's view through the room ---------------------------------------


def _phone_plans(request, run, seat, *, status=200, **extra) -> HttpResponse:
    programme = run.activity.seminar.programme
    context = {
        "run": run,
        "seat": seat,
        "cards": [
            overview.plan_card(plan, owners=True, k=programme.min_group_size)
            for plan in plans_for(run)
        ],
        "follow_up": run.activity.kind == Activity.Kind.FOLLOW_UP,
        "new_key": uuid.uuid4(),
        "rated": services.rated_by(seat),
        "statuses": Action.Status.choices,
        "scale": range(1, 6),
        "conflict_pk": None,
    }
    context.update(extra)
    return render_participant(
        request,
        "actionplans/phone_plans.html",
        context,
        status=status,
        language=phone_language(request, default=programme.language),
        written_in=programme.language,
    )


@login_not_required
@require_GET
@answers_seminar_over
def phone_plans(request: HttpRequest, run_id: int) -> HttpResponse:
    run, seat = get_planning_for_phone(request, run_id)
    return _phone_plans(request, run, seat)


@login_not_required
@require_POST
@answers_seminar_over
def phone_action(request: HttpRequest, run_id: int, action_id: int) -> HttpResponse:
    """A scribe's save of one action from the room: status, owner, due date and, at a
    follow-up, a progress note; a stale save shows both versions."""
    run, seat = get_planning_for_phone(request, run_id)
    action = _phone_action(run, action_id)
    form = ActionForm(
        request.POST, instance=Action.objects.get(pk=action.pk), prefix=f"a{action.pk}"
    )
    if not form.is_valid() or form.cleaned_data["version"] is None:
        return _phone_plans(request, run, seat, status=422, errors_text=_errors(form))
    try:
        services.save_action(
            request=request,
            action=action,
            version=form.cleaned_data["version"],
            fields=_action_fields(form),
        )
    except services.Stale as conflict:
        return _phone_plans(
            request,
            run,
            seat,
            status=409,
            conflict_pk=conflict.current.pk,
            mine={
                **form.cleaned_data,
                "status_label": Action.Status(form.cleaned_data["status"]).label,
            },
        )
    messages.success(request, _("Saved."))
    return redirect(reverse("phone_plans", args=[run.pk]) + f"#action-{action.pk}")


@login_not_required
@require_POST
@answers_seminar_over
def phone_add_action(request: HttpRequest, run_id: int, plan_id: int) -> HttpResponse:
    run, seat = get_planning_for_phone(request, run_id)
    plan = next((p for p in plans_for(run) if p.pk == plan_id), None)
    if plan is None:
        raise Http404
    form = ActionForm(request.POST, prefix="new")
    if not form.is_valid():
        return _phone_plans(request, run, seat, status=422, errors_text=_errors(form))
    services.add_action(
        request=request,
        plan=plan,
        **_action_fields(form),
    )
    messages.success(request, _("The action has been added."))
    return redirect(reverse("phone_plans", args=[run.pk]) + f"#plan-{plan.pk}")


@login_not_required
@require_POST
@answers_seminar_over
def phone_difference(request: HttpRequest, run_id: int, action_id: int) -> HttpResponse:
    """A phone's "did it make a difference?" (1-5) for a done action, once per seat."""
    run, seat = get_planning_for_phone(request, run_id)
    action = _phone_action(run, action_id)
    form = DifferenceForm(request.POST)
    if action.status != Action.Status.DONE or not form.is_valid():
        error = _("Choose a number from 1 to 5 for a done action.")
        return _phone_plans(request, run, seat, status=422, errors_text=error)
    try:
        services.rate_difference(action=action, seat=seat, value=form.cleaned_data["value"])
    except services.AlreadyAnswered:
        messages.info(request, _("You have already answered for this action."))
    else:
        messages.success(request, _("Thank you for answering."))
    return redirect(reverse("phone_plans", args=[run.pk]) + f"#action-{action.pk}")


def _errors(form) -> str:
    """A form's messages as one sentence for the phone's error box."""
    return " ".join(str(message) for messages_ in form.errors.values() for message in messages_)


def _phone_action(run, action_id: int) -> Action:
    plans = {plan.pk for plan in plans_for(run)}
    action = Action.objects.select_related("plan__programme").filter(pk=action_id).first()
    if action is None or action.plan_id not in plans:
        raise Http404
    return action


# A follow-up row's progress note from a phone goes through the same service as staff's.
@login_not_required
@require_POST
@answers_seminar_over
def phone_follow_up(request: HttpRequest, run_id: int, action_id: int) -> HttpResponse:
    run, seat = get_planning_for_phone(request, run_id)
    action = _phone_action(run, action_id)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        return _phone_plans(request, run, seat, status=422, errors_text=_errors(form))
    services.follow_up(
        request=request,
        action=action,
        seminar=run.activity.seminar,
        status=form.cleaned_data["status"],
        note=form.cleaned_data["note"],
        key=form.cleaned_data["key"],
    )
    messages.success(request, _("Saved."))
    return redirect(reverse("phone_plans", args=[run.pk]) + f"#action-{action.pk}")
