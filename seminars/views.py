"""Seminar run-sheets edited by facilitators, and the room's pages for phones and the wall.

The room's answers (where a code leads, what is open now) come from rooms.py; these views
add only HTTP: rate limits, templates, redirects.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from programmes import audit, ratelimit
from programmes.access import (
    get_programme_access,
    get_programme_for_facilitator,
    session_participant,
)
from programmes.htmx import render_page
from programmes.participants import phone_language, render_participant
from programmes.qr import qr_svg
from seminars import rooms, services
from seminars.access import get_activity, get_seminar, get_seminar_for_display
from seminars.forms import ActivityForm, JoinForm, SeminarForm
from seminars.models import Seminar
from surveys.access import has_joined
from surveys.models import MEASURE_LABELS
from surveys.results import response_rates


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def seminar_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The run-sheet; facilitators edit it in place, managers read it."""
    access = get_programme_access(request.user, pk)
    programme = access.programme
    seminar = get_seminar(programme, number)
    if request.method == "POST" and not access.is_facilitator:
        raise Http404
    form = SeminarForm(request.POST or None, instance=seminar) if access.is_facilitator else None
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record(
            request,
            action="seminar.edit",
            obj=seminar,
            programme=programme,
            fields=form.changed_data,
        )
        messages.success(request, _("The seminar has been saved."))
        return redirect("seminar_detail", programme.pk, seminar.number)
    return render_page(
        request,
        "seminars/seminar_detail.html",
        {
            "programme": programme,
            "access": access,
            "seminar": seminar,
            "seminars": programme.seminars.all(),
            "form": form,
            "activities": seminar.activities.all(),
            "activity_form": ActivityForm() if access.is_facilitator else None,
        },
        partial="seminar-form",
        status=422 if form is not None and form.errors else 200,
    )


@require_POST
def activity_add(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    programme = get_programme_for_facilitator(request.user, pk)
    seminar = get_seminar(programme, number)
    form = ActivityForm(request.POST)
    if form.is_valid():
        activity = form.save(commit=False)
        activity.seminar = seminar
        activity.position = seminar.activities.count()
        activity.save()
        audit.record(request, action="activity.create", obj=activity, programme=programme)
        messages.success(request, _("The activity has been added."))
        return redirect("seminar_detail", programme.pk, seminar.number)
    return render_page(
        request,
        "seminars/seminar_detail.html",
        {
            "programme": programme,
            "access": get_programme_access(request.user, pk),
            "seminar": seminar,
            "seminars": programme.seminars.all(),
            "form": SeminarForm(instance=seminar),
            "activities": seminar.activities.all(),
            "activity_form": form,
        },
        status=422,
    )


@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int, number: int, activity_id: int) -> HttpResponse:
    programme = get_programme_for_facilitator(request.user, pk)
    seminar = get_seminar(programme, number)
    activity = get_activity(seminar, activity_id)
    form = ActivityForm(request.POST or None, instance=activity)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record(
            request,
            action="activity.edit",
            obj=activity,
            programme=programme,
            fields=form.changed_data,
        )
        messages.success(request, _("The activity has been saved."))
        return redirect("seminar_detail", programme.pk, seminar.number)
    return render_page(
        request,
        "seminars/activity_edit.html",
        {"programme": programme, "seminar": seminar, "activity": activity, "form": form},
        status=422 if form.errors else 200,
    )


@require_POST
def activity_delete(request: HttpRequest, pk: int, number: int, activity_id: int) -> HttpResponse:
    programme = get_programme_for_facilitator(request.user, pk)
    seminar = get_seminar(programme, number)
    activity = get_activity(seminar, activity_id)
    audit.record(request, action="activity.delete", obj=activity, programme=programme)
    activity.delete()
    messages.success(request, _("The activity has been deleted."))
    return redirect("seminar_detail", programme.pk, seminar.number)


@require_POST
def activity_move(request: HttpRequest, pk: int, number: int, activity_id: int) -> HttpResponse:
    """Move an activity one place up or down the agenda."""
    programme = get_programme_for_facilitator(request.user, pk)
    seminar = get_seminar(programme, number)
    activity = get_activity(seminar, activity_id)
    step = -1 if request.POST.get("direction") == "up" else 1
    with transaction.atomic():
        ordered = list(seminar.activities.select_for_update())
        index = next(i for i, a in enumerate(ordered) if a.pk == activity.pk)
        target = index + step
        if 0 <= target < len(ordered):
            ordered[index], ordered[target] = ordered[target], ordered[index]
            for position, row in enumerate(ordered):
                row.position = position
            type(activity).objects.bulk_update(ordered, ["position"])
    audit.record(request, action="activity.move", obj=activity, programme=programme)
    return redirect("seminar_detail", programme.pk, seminar.number)


# --- The room: phones join whatever is open in it ----------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Type the code from the screen to join what is open in the room."""
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _enter_room(request, form.cleaned_data["code"])
    return render_participant(
        request, "seminars/join.html", {"form": form}, status=422 if form.errors else 200
    )


@login_not_required
@require_GET
def join_code(request: HttpRequest, code: str) -> HttpResponse:
    """Where the QR code leads: the same as typing the code."""
    return _enter_room(request, code)


def _enter_room(request: HttpRequest, raw_code: str) -> HttpResponse:
    joined = has_joined(request)
    standing = ratelimit.standing(request, ratelimit.ROOM_CODE, joined=joined)
    if standing is ratelimit.Standing.REFUSED:
        return render_participant(request, "429.html", status=429)
    if standing is ratelimit.Standing.SLOWED:
        ratelimit.slow_down()  # a whole room may share the address: slow it, never refuse it
    room = rooms.find_room(raw_code)
    if room is None:
        ratelimit.record_failure(request, ratelimit.ROOM_CODE, joined=joined)
        form = JoinForm(initial={"code": raw_code[:20]})
        return render_participant(
            request, "seminars/join.html", {"form": form, "unknown_code": True}, status=404
        )
    return redirect(rooms.enter(request, room))


@login_not_required
@require_GET
def participant_home(request: HttpRequest) -> HttpResponse:
    """Where a personal link leads: what is open for this participant now."""
    participant = session_participant(request)
    if participant is None or participant.programme.is_archived:
        return render_participant(request, "participant/link_invalid.html", status=404)
    programme = participant.programme
    language = phone_language(request, default=programme.language)
    open_rounds = [
        (round, round.pk in answered)
        for answered in [set(participant.participations.values_list("round_id", flat=True))]
        for round in programme.rounds.open().select_related("seminar")
    ]
    return render_participant(
        request,
        "participant/home.html",
        {"programme": programme, "open_rounds": open_rounds},
        language=language,
    )


# --- The projector --------------------------------------------------------------------


@require_POST
def display_open(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """Issue the seminar's display link (voiding an older one) and open it."""
    programme = get_programme_for_facilitator(request.user, pk)
    seminar = get_seminar(programme, number)
    token = services.issue_display_token(seminar=seminar)
    audit.record(request, action="seminar.display_link", obj=seminar, programme=programme)
    return redirect("display", token)


def _display_context(
    request: HttpRequest, seminar: Seminar, token: str, now: rooms.RoomNow | None = None
) -> dict:
    now = now or rooms.room_now(seminar)
    round = now.round
    context = {
        "seminar": seminar,
        "programme": seminar.programme,
        "round": round,
        "state": now.state,
        "stage": now.stage,
        "token": token,
        "version": now.version,
    }
    if round is not None:
        code = seminar.room_code if round.is_open else ""
        join_url = request.build_absolute_uri(reverse("join_code", args=[code])) if code else ""
        # Typed from the back of the room: no scheme, no trailing slash (CommonMiddleware
        # adds it back).
        join_address = request.build_absolute_uri(reverse("join")).split("://", 1)[-1]
        context.update(
            code=code,
            join_address=join_address.rstrip("/"),
            qr=qr_svg(join_url) if join_url else "",
            turnout=response_rates(round)[0],
            labels=MEASURE_LABELS,
            k=seminar.programme.min_group_size,
        )
    return context


def _display_response(request: HttpRequest, seminar: Seminar, template: str, context: dict):
    with translation.override(seminar.programme.language):
        response = render(request, template, context)
    response["Referrer-Policy"] = "no-referrer"  # the display token is in the URL
    return response


@login_not_required
@require_GET
@ratelimit.answers_too_many_attempts
def display(request: HttpRequest, token: str) -> HttpResponse:
    """Full-screen room view: how to join, how many have answered, the room's result."""
    seminar = get_seminar_for_display(request, token)
    context = _display_context(request, seminar, token)
    return _display_response(request, seminar, "seminars/display.html", context)


@login_not_required
@require_GET
@ratelimit.answers_too_many_attempts
def display_live(request: HttpRequest, token: str) -> HttpResponse:
    """The poll: 204 when nothing on the screen would change, else the live part."""
    seminar = get_seminar_for_display(request, token)
    now = rooms.room_now(seminar)
    if request.GET.get("v") == now.version:
        return HttpResponse(status=204)
    context = _display_context(request, seminar, token, now)
    return _display_response(request, seminar, "seminars/display.html#live", context)
