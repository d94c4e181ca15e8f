"""Seminar run-sheets edited by facilitators, and the room's pages for phones and the wall.

The room's answers (where a code leads, what is open now) come from rooms.py; these views
add only HTTP: rate limits, templates, redirects.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from programmes import audit, ratelimit
from programmes.access import (
    ProgrammeAccess,
    get_programme_access,
    get_programme_for_facilitator,
    session_participant,
)
from programmes.htmx import posted, render_page
from programmes.inputs import parse_id
from programmes.participants import (
    forget_language,
    kiosk_code,
    mark_labels,
    next_person,
    phone_language,
    render_participant,
    start_kiosk,
)
from programmes.qr import qr_svg
from seminars import (
    boards,
    documentation,
    evaluations,
    groups,
    nameguard,
    rooms,
    schedule,
    services,
    voting,
)
from seminars.access import (
    answers_seminar_over,
    get_activity,
    get_board,
    get_board_for_phone,
    get_evaluation,
    get_evaluation_for_phone,
    get_group,
    get_group_for_logbook,
    get_group_work,
    get_group_work_for_phone,
    get_post,
    get_seminar,
    get_seminar_for_display,
    get_seminar_for_documentation,
    get_session,
    get_work_group,
    room_over,
)
from seminars.forms import (
    ActivityForm,
    BoardForm,
    EvaluationControlForm,
    EvaluationForm,
    GroupAddForm,
    GroupForm,
    GroupWorkForm,
    JoinForm,
    LogbookForm,
    MergeForm,
    NotesForm,
    PhaseForm,
    PostFixForm,
    PostForm,
    QuestionFormSet,
    SeminarAddForm,
    SeminarForm,
    SessionForm,
    SummaryForm,
    VoteForm,
    WallForm,
)
from seminars.models import Board, Evaluation, EvaluationDone, GroupWork, Post, Seat, Seminar, Wall
from surveys import dashboard
from surveys.access import has_joined
from surveys.models import MEASURE_LABELS
from surveys.results import response_rates


def _run_sheet(
    request: HttpRequest,
    access: ProgrammeAccess,
    seminar: Seminar,
    *,
    status: int = 200,
    partial: str | None = None,
    **forms,
) -> HttpResponse:
    """The seminar's run-sheet page, with any form handed in bound to its errors."""
    programme = access.programme
    facilitator = access.is_facilitator
    context = {
        "programme": programme,
        "access": access,
        "seminar": seminar,
        "seminars": programme.seminars.all(),
        "form": SeminarForm(instance=seminar) if facilitator else None,
        "activity_form": ActivityForm() if facilitator else None,
        "session_form": SessionForm() if facilitator else None,
        "activities": seminar.activities.all(),
        "sessions": seminar.sessions.all(),
        "over": schedule.is_over(seminar),
        "last_day": schedule.last_day(seminar),
        "trials": groups.trial_before(seminar),
        "evaluations": [
            evaluations.results(evaluation, k=programme.min_group_size, comments=False)
            for evaluation in Evaluation.objects.filter(activity__seminar=seminar).select_related(
                "activity__seminar__programme"
            )
        ],
    }
    context.update(forms)
    return render_page(
        request, "seminars/seminar_detail.html", context, partial=partial, status=status
    )


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def seminar_detail(request: HttpRequest, pk: int, seminar_id: int) -> HttpResponse:
    """The run-sheet; facilitators edit it in place, managers read it."""
    access = get_programme_access(request.user, pk)
    programme = access.programme
    seminar = get_seminar(programme, seminar_id)
    if request.method == "POST" and not access.is_facilitator:
        raise Http404
    if request.method == "GET":
        return _run_sheet(request, access, seminar, partial="seminar-form")
    form = SeminarForm(request.POST, instance=seminar)
    if form.is_valid():
        with transaction.atomic():
            form.save()
            audit.record(
                request,
                action="seminar.edit",
                obj=seminar,
                programme=programme,
                fields=form.changed_data,
            )
        messages.success(request, _("The seminar has been saved."))
        return redirect("seminar_detail", programme.pk, seminar.pk)
    return _run_sheet(request, access, seminar, form=form, partial="seminar-form", status=422)


@require_POST
def activity_add(request: HttpRequest, pk: int, seminar_id: int) -> HttpResponse:
    programme = get_programme_for_facilitator(request.user, pk)
    seminar = get_seminar(programme, seminar_id)
    form = ActivityForm(request.POST)
    if form.is_valid():
        activity = form.save(commit=False)
        activity.seminar = seminar
        with transaction.atomic():
            activity.position = seminar.activities.count()
            activity.save()
            services.ensure_board(activity=activity)
            services.ensure_group_work(activity=activity)
            services.ensure_evaluation(activity=activity)
            audit.record(request, action="activity.create", obj=activity, programme=programme)
        messages.success(request, _("The activity has been added."))
        return redirect("seminar_detail", programme.pk, seminar.pk)
    access = get_programme_access(request.user, pk)
    return _run_sheet(request, access, seminar, activity_form=form, status=422)


# --- The programme's seminars: added, moved, removed; sittings; the end ------------------


@require_POST
def seminar_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A new seminar at the end of the programme; its run-sheet opens to fill in."""
    programme = get_programme_for_facilitator(request.user, pk)
    form = SeminarAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the new seminar a title (at most 200 characters)."))
        return redirect("programme_detail", programme.pk)
    seminar = schedule.add_seminar(
        request=request, programme=programme, title=form.cleaned_data["title"]
    )
    messages.success(request, _("The seminar has been added. Fill in its date and agenda."))
    return redirect("seminar_detail", programme.pk, seminar.pk)


@require_POST
def seminar_move(request: HttpRequest, pk: int, seminar_id: int) -> HttpResponse:
    """Move a seminar one place earlier or later; its address stays the same."""
    programme = get_programme_for_facilitator(request.user, pk)
    seminar = get_seminar(programme, seminar_id)
    step = -1 if request.POST.get("direction") == "up" else 1
    schedule.move_seminar(request=request, seminar=seminar, step=step)
    return redirect(reverse("programme_detail", args=[programme.pk]) + "#seminars")


@require_http_methods(["GET", "POST"])
def seminar_remove(request: HttpRequest, pk: int, seminar_id: int) -> HttpResponse:
    """Ask, then delete a seminar with everything said in it; its rounds stay."""
    programme = get_programme_for_facilitator(request.user, pk)
    seminar = get_seminar(programme, seminar_id)
    if request.method == "POST" and request.POST.get("confirm") == seminar.title:
        schedule.remove_seminar(request=request, seminar=seminar)
        messages.success(request, _("The seminar has been removed."))
        return redirect("programme_detail", programme.pk)
    counts = schedule.contents(seminar)
    return render_page(
        request,
        "seminars/seminar_remove.html",
        {"programme": programme, "seminar": seminar, "counts": counts},
        status=422 if request.method == "POST" else 200,
    )


@require_POST
def seminar_end(request: HttpRequest, pk: int, seminar_id: int) -> HttpResponse:
    """End the seminar now (its room closes to phones), or undo that."""
    programme = get_programme_for_facilitator(request.user, pk)
    seminar = get_seminar(programme, seminar_id)
    if request.POST.get("end") == "1":
        schedule.end_seminar(request=request, seminar=seminar)
        messages.success(request, _("The seminar has ended: its room is closed to phones."))
    elif seminar.ended_at is not None:
        schedule.reopen_seminar(request=request, seminar=seminar)
        if schedule.is_over(seminar):
            messages.warning(
                request,
                _("Its last day has passed, so it stays over. Change its date to hold it again."),
            )
        else:
            messages.success(request, _("The seminar is running again."))
    return redirect("seminar_detail", programme.pk, seminar.pk)


@require_POST
def session_add(request: HttpRequest, pk: int, seminar_id: int) -> HttpResponse:
    """Hold the seminar once more (a night shift): a sitting with its own code and wall."""
    programme = get_programme_for_facilitator(request.user, pk)
    seminar = get_seminar(programme, seminar_id)
    form = SessionForm(request.POST)
    if not form.is_valid():
        access = get_programme_access(request.user, pk)
        return _run_sheet(request, access, seminar, session_form=form, status=422)
    schedule.add_session(request=request, seminar=seminar, session=form.save(commit=False))
    messages.success(request, _("The session has been added with a room code of its own."))
    return redirect(reverse("seminar_detail", args=[programme.pk, seminar.pk]) + "#sessions")


@require_POST
def session_remove(request: HttpRequest, pk: int, seminar_id: int, session_id: int) -> HttpResponse:
    programme = get_programme_for_facilitator(request.user, pk)
    session = get_session(get_seminar(programme, seminar_id), session_id)
    schedule.remove_session(request=request, session=session)
    messages.success(request, _("The session has been removed; what was said in it stays."))
    return redirect(reverse("seminar_detail", args=[programme.pk, seminar_id]) + "#sessions")


@require_POST
def session_display_open(
    request: HttpRequest, pk: int, seminar_id: int, session_id: int
) -> HttpResponse:
    """Issue the sitting's own display link (voiding its older one) and open it."""
    programme = get_programme_for_facilitator(request.user, pk)
    session = get_session(get_seminar(programme, seminar_id), session_id)
    with transaction.atomic():
        token = services.issue_display_token(seminar=session)
        audit.record(request, action="session.display_link", obj=session, programme=programme)
    return redirect("display", token)


@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int, seminar_id: int, activity_id: int) -> HttpResponse:
    programme = get_programme_for_facilitator(request.user, pk)
    seminar = get_seminar(programme, seminar_id)
    activity = get_activity(seminar, activity_id)
    form = ActivityForm(posted(request), instance=activity)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            services.ensure_board(activity=activity)
            services.ensure_group_work(activity=activity)
            services.ensure_evaluation(activity=activity)
            audit.record(
                request,
                action="activity.edit",
                obj=activity,
                programme=programme,
                fields=form.changed_data,
            )
        messages.success(request, _("The activity has been saved."))
        return redirect("seminar_detail", programme.pk, seminar.pk)
    return render_page(
        request,
        "seminars/activity_edit.html",
        {"programme": programme, "seminar": seminar, "activity": activity, "form": form},
        status=422 if form.errors else 200,
    )


@require_POST
def activity_delete(
    request: HttpRequest, pk: int, seminar_id: int, activity_id: int
) -> HttpResponse:
    programme = get_programme_for_facilitator(request.user, pk)
    seminar = get_seminar(programme, seminar_id)
    activity = get_activity(seminar, activity_id)
    with transaction.atomic():
        audit.record(request, action="activity.delete", obj=activity, programme=programme)
        activity.delete()
    messages.success(request, _("The activity has been deleted."))
    return redirect("seminar_detail", programme.pk, seminar.pk)


@require_POST
def activity_present(
    request: HttpRequest, pk: int, seminar_id: int, activity_id: int
) -> HttpResponse:
    """The agenda row's "present" button: open its board, groups or evaluation, on the wall."""
    programme = get_programme_for_facilitator(request.user, pk)
    activity = get_activity(get_seminar(programme, seminar_id), activity_id)
    if activity.kind not in PRESENTABLE:
        return HttpResponse(_("Only boards, group work and evaluations are presented."), status=400)
    services.present_activity(request=request, activity=activity)
    messages.success(request, _("It is open for phones and on the wall now."))
    return redirect(PRESENTABLE[activity.kind], pk, seminar_id, activity.pk)


PRESENTABLE = {
    "board": "board_control",
    "discussion": "group_control",
    "evaluation": "evaluation_control",
}


@require_POST
def activity_move(request: HttpRequest, pk: int, seminar_id: int, activity_id: int) -> HttpResponse:
    """Move an activity one place up or down the agenda."""
    programme = get_programme_for_facilitator(request.user, pk)
    seminar = get_seminar(programme, seminar_id)
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
    return redirect("seminar_detail", programme.pk, seminar.pk)


# --- The room: phones join whatever is open in it ----------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Type the code from the screen to join what is open in the room."""
    form = JoinForm(posted(request))
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


@login_not_required
@require_GET
def kiosk_start(request: HttpRequest, code: str) -> HttpResponse:
    """A shared tablet at the door: each person starts afresh and leaves nothing behind."""
    start_kiosk(request, code[:20])
    return _enter_room(request, code)


@login_not_required
@require_GET
def kiosk_next(request: HttpRequest) -> HttpResponse:
    """Between two people on a shared tablet: thanks, and a button for the next person."""
    code = kiosk_code(request)
    if not code:
        return redirect("join")
    return render_participant(request, "seminars/kiosk_next.html", {"code": code})


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
    if room.over:
        return room_over(request, room.seminar)
    url = rooms.enter(request, room)
    if url is not None:
        return redirect(url)
    return render_participant(request, "seminars/room.html", {"room": room})


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
    # Boards open in a seminar's room: entering its code gives this person their seat.
    rooms_open = [
        seminar
        for seminar in programme.seminars.all()
        if not schedule.is_over(seminar)
        and any(opening.kind == "board" for opening in rooms.open_now(seminar))
    ]
    return render_participant(
        request,
        "participant/home.html",
        {"programme": programme, "open_rounds": open_rounds, "rooms_open": rooms_open},
        language=language,
    )


# --- The projector --------------------------------------------------------------------


@require_POST
def display_open(request: HttpRequest, pk: int, seminar_id: int) -> HttpResponse:
    """Issue the seminar's display link (voiding an older one) and open it."""
    programme = get_programme_for_facilitator(request.user, pk)
    seminar = get_seminar(programme, seminar_id)
    with transaction.atomic():
        token = services.issue_display_token(seminar=seminar)
        audit.record(request, action="seminar.display_link", obj=seminar, programme=programme)
    return redirect("display", token)


def _join_block(request: HttpRequest, code: str) -> dict:
    """The room code, the address to type and the QR code, for the wall."""
    join_url = request.build_absolute_uri(reverse("join_code", args=[code]))
    # Typed from the back of the room: no scheme, no trailing slash (CommonMiddleware
    # adds it back).
    join_address = request.build_absolute_uri(reverse("join")).split("://", 1)[-1]
    return {"code": code, "join_address": join_address.rstrip("/"), "qr": qr_svg(join_url)}


def _display_context(
    request: HttpRequest,
    seminar: Seminar,
    code: str,
    token: str,
    wall: rooms.WallNow | None = None,
) -> dict:
    wall = wall or rooms.wall_now(seminar)
    programme = seminar.programme
    if schedule.is_over(seminar):
        code = ""  # its room is closed: the wall shows no way in
    context = {
        "seminar": seminar,
        "programme": programme,
        "wall": wall.kind,
        "token": token,
        "version": wall.version,
        "k": programme.min_group_size,
        "labels": MEASURE_LABELS,
    }
    if wall.kind == Wall.BOARD:
        board = Board.objects.select_related("activity").get(pk=wall.board.pk)
        view = boards.for_wall(board, k=programme.min_group_size)
        context.update(board=board, view=view, stage=f"board-{board.phase}")
        if board.phase in (Board.Phase.COLLECT, Board.Phase.VOTE):
            context.update(_join_block(request, code) if code else {})
        return context
    if wall.kind == Wall.GROUPS:
        work = GroupWork.objects.select_related("activity").get(pk=wall.work.pk)
        notes = groups.all_notes(work)
        if seminar.wall_group_id is not None:
            notes = [group for group in notes if group.pk == seminar.wall_group_id]
        else:
            notes = [group for group in notes if not group.empty]  # the wall has no room to spare
        context.update(work=work, notes=notes, one=seminar.wall_group_id is not None)
        context.update(stage="groups")
        return context
    if wall.content is not None:
        context.update(wall.content.context, wall_template=wall.content.template, stage=wall.kind)
        return context
    if wall.kind == Wall.CHANGE:
        access = ProgrammeAccess(programme, "facilitator")
        change = dashboard.build(access, dashboard.Selection(), language=programme.language)
        rows = [row for row in change.changes if row.measure in dashboard.TREND_MEASURES]
        context.update(change=change, change_rows=rows, stage="change")
        return context
    now = wall.room
    round = now.round
    context.update(round=round, state=now.state, stage=now.stage)
    if round is not None:
        if round.is_open:
            context.update(_join_block(request, code) if code else {})
        context.update(turnout=response_rates(round)[0])
    elif code and rooms.open_now(seminar):  # a board, groups or an evaluation: join here
        context.update(_join_block(request, code), stage="joining")
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
    seminar, code = get_seminar_for_display(request, token)
    context = _display_context(request, seminar, code, token)
    return _display_response(request, seminar, "seminars/display.html", context)


@login_not_required
@require_GET
@ratelimit.answers_too_many_attempts
def display_live(request: HttpRequest, token: str) -> HttpResponse:
    """The poll: 204 when nothing on the screen would change, else the live part."""
    seminar, code = get_seminar_for_display(request, token)
    wall = rooms.wall_now(seminar)
    if request.GET.get("v") == wall.version:
        return HttpResponse(status=204)
    context = _display_context(request, seminar, code, token, wall)
    return _display_response(request, seminar, "seminars/display.html#live", context)


# --- Boards on the phone ------------------------------------------------------------------


def _phone_board_page(
    request: HttpRequest,
    board,
    seat,
    *,
    form=None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    programme = board.activity.seminar.programme
    units = list(programme.units.order_by("name").values_list("pk", "name"))
    if form is None and board.phase == Board.Phase.COLLECT:
        form = PostForm(
            board=board, units=units, initial={"key": uuid.uuid4(), "unit": seat.unit_id or ""}
        )
    view = boards.for_phone(board, k=programme.min_group_size)
    dots = boards.seat_dots(board, seat) if board.voting else None
    return render_participant(
        request,
        "seminars/board_phone.html",
        {
            "board": board,
            "view": view,
            "form": form,
            "error": error,
            "dots": dots,
            "vote_rows": boards.vote_rows(view, dots) if dots is not None else [],
            "mine": boards.own_posts(board, seat),
            "kiosk": bool(kiosk_code(request)),
            "Phase": Board.Phase,
        },
        status=status,
        language=phone_language(request, default=programme.language),
        written_in=programme.language,
    )


@login_not_required
@require_GET
@answers_seminar_over
def board_phone(request: HttpRequest, board_id: int) -> HttpResponse:
    """A board on a phone: write, then look at the wall, then spend dots, then results."""
    board, seat = get_board_for_phone(request, board_id)
    return _phone_board_page(request, board, seat)


@login_not_required
@require_POST
@answers_seminar_over
def board_post(request: HttpRequest, board_id: int) -> HttpResponse:
    """Store a post once (the form's key); a post the name guard stops waits for review."""
    board, seat = get_board_for_phone(request, board_id)
    programme = board.activity.seminar.programme
    units = list(programme.units.order_by("name").values_list("pk", "name"))
    form = PostForm(request.POST, board=board, units=units)
    if not form.is_valid() and board.phase not in services.PHONE_PHASES["post"]:
        refused = services.PhaseClosed  # the form is not even on the page any more
        return _phone_board_page(request, board, seat, error=refused.message, status=409)
    if not form.is_valid():
        return _phone_board_page(request, board, seat, form=form, status=422)
    data = form.cleaned_data
    unit = programme.units.filter(pk=data["unit"]).first() if data["unit"] else None
    try:
        posted = services.add_post(
            board=board,
            seat=seat,
            text=data["text"],
            key=data["key"],
            unit=unit,
            column=data.get("column", ""),
            guard=services.guard_for_programme(programme),
        )
    except services.BoardError as refused:
        return _phone_board_page(request, board, seat, error=refused.message, status=refused.status)
    if posted.created and unit is not None and seat.unit_id != unit.pk:
        Seat.objects.filter(pk=seat.pk).update(unit=unit)
    if posted.post.state == Post.State.REVIEW:
        messages.info(request, _("Thank you. Your post waits for the facilitator’s review."))
    else:
        messages.success(request, _("Thank you. Your post is on the board."))
    if kiosk_code(request):
        return forget_language(redirect(next_person(request)))
    return redirect("board_phone", board.pk)


@login_not_required
@require_POST
@answers_seminar_over
def board_vote(request: HttpRequest, board_id: int) -> HttpResponse:
    """Set this phone's dots on an item (or move one: two items in one request)."""
    board, seat = get_board_for_phone(request, board_id)
    form = VoteForm(request.POST)
    if not form.is_valid():
        error = form.non_field_errors()[0]
        return _phone_board_page(request, board, seat, error=error, status=400)
    try:
        services.vote(board=board, seat=seat, wanted=form.cleaned_data["wanted"])
    except (services.BoardError, voting.VoteRefused) as refused:
        status = getattr(refused, "status", 409)
        return _phone_board_page(request, board, seat, error=refused.message, status=status)
    return redirect(reverse("board_phone", args=[board.pk]) + "#dots")


# --- Boards: the facilitator's control view -----------------------------------------------


def _control_page(request, board, *, settings_form=None, merge_form=None, status=200):
    seminar = board.activity.seminar
    view = boards.for_facilitator(board)
    return render_page(
        request,
        "seminars/board_control.html",
        {
            "programme": seminar.programme,
            "seminar": seminar,
            "board": board,
            "view": view,
            "settings_form": settings_form or BoardForm(instance=board),
            "merge_error": merge_form.errors.get("items") if merge_form else None,
            "phases": Board.Phase.choices,
            "dimensions": boards.DIMENSIONS,
            "on_wall": seminar.wall == Wall.BOARD and seminar.wall_board_id == board.pk,
            "review": [
                card for item in view.items for card in item.cards if card.state == "review"
            ],
            "reasons": dict(nameguard.Reason.choices),
        },
        partial="board",
        status=status,
    )


def _staff_board(request: HttpRequest, pk: int, seminar_id: int, activity_id: int):
    programme = get_programme_for_facilitator(request.user, pk)
    return get_board(get_seminar(programme, seminar_id), activity_id)


def _back_to_control(request: HttpRequest, board) -> HttpResponse:
    if request.htmx:
        board.refresh_from_db()
        return _control_page(request, board)
    activity = board.activity
    return redirect(
        "board_control", activity.seminar.programme_id, activity.seminar_id, activity.pk
    )


@require_GET
@vary_on_headers("HX-Request")
def board_control(request: HttpRequest, pk: int, seminar_id: int, activity_id: int) -> HttpResponse:
    """The facilitator's view of a board (a laptop or a phone, not the projector)."""
    board = _staff_board(request, pk, seminar_id, activity_id)
    if request.htmx and request.GET.get("v") == str(board.version):
        return HttpResponse(status=204)
    return _control_page(request, board)


@require_POST
def board_phase(request: HttpRequest, pk: int, seminar_id: int, activity_id: int) -> HttpResponse:
    board = _staff_board(request, pk, seminar_id, activity_id)
    form = PhaseForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose a step of the board."), status=400)
    services.set_phase(request=request, board=board, phase=form.cleaned_data["phase"])
    return _back_to_control(request, board)


@require_POST
def board_settings(
    request: HttpRequest, pk: int, seminar_id: int, activity_id: int
) -> HttpResponse:
    board = _staff_board(request, pk, seminar_id, activity_id)
    form = BoardForm(request.POST, instance=board)
    if not form.is_valid():
        board.refresh_from_db()
        return _control_page(request, board, settings_form=form, status=422)
    services.change_board(request=request, board=form.instance, fields=form.changed_data)
    messages.success(request, _("The board’s settings have been saved."))
    return _back_to_control(request, board)


@require_POST
def board_post_action(
    request: HttpRequest, pk: int, seminar_id: int, activity_id: int, post_id: int
) -> HttpResponse:
    """Hide a post, show it again (or let one waiting for review through), or split it out."""
    board = _staff_board(request, pk, seminar_id, activity_id)
    post = get_post(board, post_id)
    action = request.POST.get("action", "")
    if action == "split":
        services.split_post(request=request, post=post)
    elif action in services.MODERATION:
        services.moderate(request=request, post=post, action=action)
    else:
        return HttpResponse(_("Unknown action."), status=400)
    return _back_to_control(request, board)


@require_http_methods(["GET", "POST"])
def board_post_edit(
    request: HttpRequest, pk: int, seminar_id: int, activity_id: int, post_id: int
) -> HttpResponse:
    """Fix a typo in a post; the change is audited (without the text)."""
    board = _staff_board(request, pk, seminar_id, activity_id)
    post = get_post(board, post_id)
    form = PostFixForm(posted(request), instance=post)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            services.fix_post(request=request, post=post, text=form.cleaned_data["text"])
        messages.success(request, _("The post has been corrected."))
        return _back_to_control(request, board)
    return render_page(
        request,
        "seminars/board_post_edit.html",
        {"programme": board.activity.seminar.programme, "board": board, "post": post, "form": form},
        status=422 if form.errors else 200,
    )


@require_POST
def board_merge(request: HttpRequest, pk: int, seminar_id: int, activity_id: int) -> HttpResponse:
    """Merge the chosen items into the first of them; their posts and dots follow."""
    board = _staff_board(request, pk, seminar_id, activity_id)
    groups = {group.pk: group for group in board.groups.all()}
    form = MergeForm(request.POST, choices=[(pk, str(pk)) for pk in groups])
    if not form.is_valid():
        return _control_page(request, board, merge_form=form, status=422)
    chosen = [groups[pk] for pk in sorted(form.cleaned_data["items"])]
    try:
        services.merge(request=request, board=board, into=chosen[0], others=chosen[1:])
    except services.BoardError as refused:
        return HttpResponse(refused.message, status=refused.status)
    return _back_to_control(request, board)


@require_POST
def board_group_edit(
    request: HttpRequest, pk: int, seminar_id: int, activity_id: int, group_id: int
) -> HttpResponse:
    """Rename an item and tag it with a social capital dimension."""
    board = _staff_board(request, pk, seminar_id, activity_id)
    group = get_group(board, group_id)
    form = GroupForm(request.POST, instance=group)
    if not form.is_valid():
        return HttpResponse(_("The title or the tag could not be saved."), status=422)
    services.change_group(request=request, group=form.instance, fields=form.changed_data)
    return _back_to_control(request, board)


@require_POST
def seminar_wall(request: HttpRequest, pk: int, seminar_id: int) -> HttpResponse:
    """Choose what the wall presents: the room, a board of this seminar, or the change."""
    programme = get_programme_for_facilitator(request.user, pk)
    seminar = get_seminar(programme, seminar_id)
    form = WallForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose what the wall shows."), status=400)
    board = None
    if form.cleaned_data["wall"] == Wall.BOARD:
        board = Board.objects.filter(
            pk=form.cleaned_data["board"] or 0, activity__seminar=seminar
        ).first()
        if board is None:
            raise Http404
    services.present(request=request, seminar=seminar, wall=form.cleaned_data["wall"], board=board)
    messages.success(request, _("The wall shows it now."))
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts=None):
        return redirect(next_url)
    return redirect("seminar_detail", programme.pk, seminar.pk)


# --- Group work on the phone --------------------------------------------------------------


def _phone_group_page(request, work, seat, *, form=None, error="", theirs=None, status=200):
    programme = work.activity.seminar.programme
    group = groups.seat_group(work, seat)
    if form is None and group is not None:
        initial = {f"h{i}": group.notes.get(h, "") for i, h in enumerate(work.heading_list)}
        form = NotesForm(
            initial={**initial, "version": group.notes_version}, headings=work.heading_list
        )
    language = phone_language(request, default=programme.language)
    if form is not None:
        mark_labels(form, programme.language, language)
    return render_participant(
        request,
        "seminars/group_phone.html",
        {
            "work": work,
            "groups": work.groups.all(),
            "group": group,
            "form": form,
            "error": error,
            "theirs": theirs,
        },
        status=status,
        language=language,
        written_in=programme.language,
    )


@login_not_required
@require_GET
@answers_seminar_over
def group_phone(request: HttpRequest, work_id: int) -> HttpResponse:
    """Group work on a phone: choose your group, then write the group's notes together."""
    work, seat = get_group_work_for_phone(request, work_id)
    return _phone_group_page(request, work, seat)


@login_not_required
@require_POST
@answers_seminar_over
def group_join(request: HttpRequest, work_id: int) -> HttpResponse:
    work, seat = get_group_work_for_phone(request, work_id)
    group = work.groups.filter(pk=parse_id(request.POST.get("group"))).first()
    if group is None:
        error = _("Choose one of the groups on the list.")
        return _phone_group_page(request, work, seat, error=error, status=422)
    services.join_group(work=work, group=group, seat=seat)
    return redirect("group_phone", work.pk)


@login_not_required
@require_POST
@answers_seminar_over
def group_notes(request: HttpRequest, work_id: int) -> HttpResponse:
    """Save the group's notes; a stale save shows both texts and loses neither."""
    work, seat = get_group_work_for_phone(request, work_id)
    group = groups.seat_group(work, seat)
    form = NotesForm(request.POST, headings=work.heading_list)
    if group is None:
        refused = services.NotAMember
        return _phone_group_page(request, work, seat, error=refused.message, status=403)
    if not form.is_valid():
        return _phone_group_page(request, work, seat, form=form, status=422)
    try:
        services.save_notes(
            work=work,
            group=group,
            seat=seat,
            texts=form.texts,
            version=form.cleaned_data["version"],
        )
    except services.NotesStale as stale:
        again = NotesForm(
            initial={**request.POST.dict(), "version": stale.version}, headings=work.heading_list
        )
        theirs = [(h, stale.theirs.get(h, "")) for h in work.heading_list]
        return _phone_group_page(
            request, work, seat, form=again, error=stale.message, theirs=theirs, status=409
        )
    except services.BoardError as refused:
        return _phone_group_page(
            request, work, seat, form=form, error=refused.message, status=refused.status
        )
    messages.success(request, _("The group’s notes have been saved."))
    return redirect("group_phone", work.pk)


# --- Group work: the facilitator's view ---------------------------------------------------


def _staff_work(request: HttpRequest, pk: int, seminar_id: int, activity_id: int):
    programme = get_programme_for_facilitator(request.user, pk)
    return get_group_work(get_seminar(programme, seminar_id), activity_id)


def _group_page(request, work, *, settings_form=None, add_form=None, status=200):
    seminar = work.activity.seminar
    return render_page(
        request,
        "seminars/group_control.html",
        {
            "programme": seminar.programme,
            "seminar": seminar,
            "work": work,
            "notes": groups.all_notes(work),
            "links": _logbook_links(request, work),
            "settings_form": settings_form or GroupWorkForm(instance=work),
            "add_form": add_form or GroupAddForm(programme=seminar.programme),
            "on_wall": seminar.wall == Wall.GROUPS and seminar.wall_group_work_id == work.pk,
            "wall_group": seminar.wall_group_id,
        },
        partial="groups",
        status=status,
    )


def _logbook_links(request: HttpRequest, work) -> list[tuple[str, str, str]]:
    """The logbook links this facilitator issued, as (group, address, QR code): tokens live
    in the session only, as the documentation's do."""
    if not work.trial_period:
        return []
    tokens = request.session.get("logbook_tokens", {})
    links = []
    for group in work.groups.exclude(logbook_token_hash=""):
        token = tokens.get(str(group.pk))
        if token:
            url = request.build_absolute_uri(reverse("logbook", args=[token]))
            links.append((group.name, url, qr_svg(url)))
    return links


def _back_to_groups(request: HttpRequest, work) -> HttpResponse:
    activity = work.activity
    return redirect(
        "group_control", activity.seminar.programme_id, activity.seminar_id, activity.pk
    )


@require_GET
@vary_on_headers("HX-Request")
def group_control(request: HttpRequest, pk: int, seminar_id: int, activity_id: int) -> HttpResponse:
    """The facilitator's view of a group activity: groups, their notes as they are written."""
    work = _staff_work(request, pk, seminar_id, activity_id)
    if request.htmx and request.GET.get("v") == str(work.version):
        return HttpResponse(status=204)
    return _group_page(request, work)


@require_POST
def group_settings(
    request: HttpRequest, pk: int, seminar_id: int, activity_id: int
) -> HttpResponse:
    work = _staff_work(request, pk, seminar_id, activity_id)
    form = GroupWorkForm(request.POST, instance=work)
    if not form.is_valid():
        work.refresh_from_db()
        return _group_page(request, work, settings_form=form, status=422)
    services.change_group_work(request=request, work=form.instance, fields=form.changed_data)
    messages.success(request, _("The group work has been saved."))
    return _back_to_groups(request, work)


@require_POST
def group_add(request: HttpRequest, pk: int, seminar_id: int, activity_id: int) -> HttpResponse:
    work = _staff_work(request, pk, seminar_id, activity_id)
    programme = work.activity.seminar.programme
    if request.POST.get("per_unit"):
        made = services.groups_per_unit(request=request, work=work)
        messages.success(
            request,
            ngettext("%(count)s group made.", "%(count)s groups made.", len(made))
            % {"count": len(made)},
        )
        return _back_to_groups(request, work)
    form = GroupAddForm(request.POST, programme=programme)
    if not form.is_valid():
        return _group_page(request, work, add_form=form, status=422)
    services.add_group(
        request=request, work=work, name=form.cleaned_data["name"], units=form.cleaned_data["units"]
    )
    return _back_to_groups(request, work)


@require_POST
def group_remove(
    request: HttpRequest, pk: int, seminar_id: int, activity_id: int, group_id: int
) -> HttpResponse:
    work = _staff_work(request, pk, seminar_id, activity_id)
    services.remove_group(request=request, group=get_work_group(work, group_id))
    return _back_to_groups(request, work)


@require_POST
def group_present(request: HttpRequest, pk: int, seminar_id: int, activity_id: int) -> HttpResponse:
    """Put the notes on the wall: one group large, or all groups side by side."""
    work = _staff_work(request, pk, seminar_id, activity_id)
    raw = request.POST.get("group", "")
    group = get_work_group(work, parse_id(raw)) if raw else None
    services.present_groups(request=request, seminar=work.activity.seminar, work=work, group=group)
    messages.success(request, _("The wall shows it now."))
    return _back_to_groups(request, work)


# --- Seminar evaluations ------------------------------------------------------------------


def _phone_evaluation_page(request, evaluation, seat, *, form=None, error="", status=200):
    programme = evaluation.activity.seminar.programme
    done = EvaluationDone.objects.filter(evaluation=evaluation, seat=seat).exists()
    if form is None and not done:
        form = EvaluationForm(
            initial={"key": uuid.uuid4()}, questions=evaluations.asked_in(evaluation)
        )
    language = phone_language(request, default=programme.language)
    if form is not None:
        mark_labels(form, programme.language, language)
    return render_participant(
        request,
        "seminars/evaluation_phone.html",
        {"evaluation": evaluation, "form": form, "done": done, "error": error},
        status=status,
        language=language,
        written_in=programme.language,
    )


@login_not_required
@require_GET
@answers_seminar_over
def evaluation_phone(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    """The seminar's evaluation on a phone: a few questions, all of them optional."""
    evaluation, seat = get_evaluation_for_phone(request, evaluation_id)
    return _phone_evaluation_page(request, evaluation, seat)


@login_not_required
@require_POST
@answers_seminar_over
def evaluation_submit(request: HttpRequest, evaluation_id: int) -> HttpResponse:
    evaluation, seat = get_evaluation_for_phone(request, evaluation_id)
    form = EvaluationForm(request.POST, questions=evaluations.asked_in(evaluation))
    if not form.is_valid():
        # The form is not on the page once the phone has answered or the evaluation closed.
        if EvaluationDone.objects.filter(evaluation=evaluation, seat=seat).exists():
            refused = services.AlreadyEvaluated
        elif not evaluation.is_open:
            refused = services.EvaluationClosed
        else:
            return _phone_evaluation_page(request, evaluation, seat, form=form, status=422)
        return _phone_evaluation_page(
            request, evaluation, seat, error=refused.message, status=refused.status
        )
    try:
        services.submit_evaluation(
            evaluation=evaluation, seat=seat, key=form.cleaned_data["key"], answers=form.answers
        )
    except services.BoardError as refused:
        return _phone_evaluation_page(
            request, evaluation, seat, form=form, error=refused.message, status=refused.status
        )
    if kiosk_code(request):
        return forget_language(redirect(next_person(request)))
    messages.success(request, _("Thank you for your answers."))
    return redirect("evaluation_phone", evaluation.pk)


def _staff_evaluation(request: HttpRequest, pk: int, seminar_id: int, activity_id: int):
    programme = get_programme_for_facilitator(request.user, pk)
    return get_evaluation(get_seminar(programme, seminar_id), activity_id)


@require_http_methods(["GET", "POST"])
def evaluation_control(
    request: HttpRequest, pk: int, seminar_id: int, activity_id: int
) -> HttpResponse:
    """Open and close the evaluation, read its results and write the themes of its comments."""
    evaluation = _staff_evaluation(request, pk, seminar_id, activity_id)
    form = EvaluationControlForm(posted(request), instance=evaluation)
    if request.method == "POST" and form.is_valid():
        services.change_evaluation(
            request=request, evaluation=form.instance, fields=form.changed_data
        )
        messages.success(request, _("The evaluation has been saved."))
        return redirect(request.path)
    seminar = evaluation.activity.seminar
    k = seminar.programme.min_group_size
    return render_page(
        request,
        "seminars/evaluation_control.html",
        {
            "programme": seminar.programme,
            "seminar": seminar,
            "evaluation": evaluation,
            "form": form,
            "results": evaluations.results(evaluation, k=k, comments=True),
            "k": k,
            "comments_from": evaluations.COMMENTS_FROM,
        },
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def evaluation_questions(request: HttpRequest, pk: int) -> HttpResponse:
    """The programme's evaluation questions: change, add or remove them."""
    programme = get_programme_for_facilitator(request.user, pk)
    evaluations.questions_for(programme)
    queryset = programme.evaluation_questions.all()
    formset = QuestionFormSet(posted(request), queryset=queryset)
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            for question in formset.save(commit=False):
                question.programme = programme
                question.save()
            for question in formset.deleted_objects:
                question.delete()
            audit.record(request, action="evaluation.questions", obj=programme, programme=programme)
        messages.success(request, _("The evaluation questions have been saved."))
        return redirect("evaluation_questions", programme.pk)
    return render_page(
        request,
        "seminars/evaluation_questions.html",
        {"programme": programme, "formset": formset},
        status=422 if request.method == "POST" else 200,
    )


# --- Documentation ------------------------------------------------------------------------


def _documentation_pdf(seminar) -> HttpResponse:
    from programmes.pdf import pdf_response, render_pdf  # WeasyPrint loads only when used

    doc = documentation.documentation(seminar)
    with translation.override(seminar.programme.language):
        html = render_to_string("pdf/seminar_documentation.html", {"doc": doc})
        stem = f"{_('documentation')} {seminar.number} {seminar.title}"
    return pdf_response(render_pdf(html), filename_stem=stem)


@require_http_methods(["GET", "POST"])
def seminar_documentation(request: HttpRequest, pk: int, seminar_id: int) -> HttpResponse:
    """The seminar's documentation; the facilitator writes a summary and releases it."""
    access = get_programme_access(request.user, pk)
    seminar = get_seminar(access.programme, seminar_id)
    if request.method == "POST" and not access.is_facilitator:
        raise Http404
    form = SummaryForm(posted(request), instance=seminar) if access.is_facilitator else None
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            audit.record(
                request,
                action="seminar.edit",
                obj=seminar,
                programme=seminar.programme,
                fields=form.changed_data,
            )
        messages.success(request, _("The summary has been saved."))
        return redirect("seminar_documentation", pk, seminar_id)
    share_url = share_qr = ""
    token = services.documentation_token(seminar)
    if access.is_facilitator and token:
        share_url = request.build_absolute_uri(reverse("documentation_shared", args=[token]))
        share_qr = qr_svg(share_url)
    with translation.override(seminar.programme.language):
        doc = documentation.documentation(seminar)
    return render_page(
        request,
        "seminars/documentation.html",
        {
            "programme": seminar.programme,
            "access": access,
            "seminar": seminar,
            "doc": doc,
            "form": form,
            "share_url": share_url,
            "share_qr": share_qr,
        },
        status=422 if form is not None and form.errors else 200,
    )


@require_GET
def seminar_documentation_pdf(request: HttpRequest, pk: int, seminar_id: int) -> HttpResponse:
    """The documentation as a PDF; a download by staff is audited, as the report's is."""
    access = get_programme_access(request.user, pk)
    seminar = get_seminar(access.programme, seminar_id)
    response = _documentation_pdf(seminar)
    audit.record(
        request,
        action="documentation.download",
        obj=seminar,
        programme=access.programme,
        role=access.role,
    )
    return response


@require_POST
def documentation_release(request: HttpRequest, pk: int, seminar_id: int) -> HttpResponse:
    """Release the documentation with a new share link (voiding an older one), or withdraw it."""
    programme = get_programme_for_facilitator(request.user, pk)
    seminar = get_seminar(programme, seminar_id)
    if request.POST.get("release") == "1":
        token = services.release_documentation(request=request, seminar=seminar)
        messages.success(request, _("The documentation is released."))
        if request.POST.get("email"):
            url = request.build_absolute_uri(reverse("documentation_shared", args=[token]))
            sent = services.email_documentation(seminar=seminar, url=url)
            messages.success(
                request,
                ngettext(
                    "Its link was sent to %(count)s participant.",
                    "Its link was sent to %(count)s participants.",
                    sent,
                )
                % {"count": sent},
            )
    else:
        services.withdraw_documentation(request=request, seminar=seminar)
        messages.success(request, _("The documentation is withdrawn: its link no longer works."))
    return redirect("seminar_documentation", pk, seminar_id)


@login_not_required
@require_GET
@ratelimit.answers_too_many_attempts
def documentation_shared(request: HttpRequest, token: str) -> HttpResponse:
    """The released documentation, for anyone with its link (participants have no account)."""
    seminar = get_seminar_for_documentation(request, token)
    if request.GET.get("format") == "pdf":
        return _documentation_pdf(seminar)
    with translation.override(seminar.programme.language):
        doc = documentation.documentation(seminar)
        response = render(
            request, "seminars/documentation_shared.html", {"doc": doc, "token": token}
        )
    response["Referrer-Policy"] = "same-origin"  # the token never leaves for another site
    return response


# --- Trial periods: the working group's logbook ------------------------------------------


@require_POST
def group_logbook_link(
    request: HttpRequest, pk: int, seminar_id: int, activity_id: int, group_id: int
) -> HttpResponse:
    """Issue the group's logbook link (an older one stops working); shown once, here."""
    work = _staff_work(request, pk, seminar_id, activity_id)
    group = get_work_group(work, group_id)
    token = services.issue_logbook_link(request=request, group=group)
    request.session.setdefault("logbook_tokens", {})[str(group.pk)] = token
    request.session.modified = True
    return _back_to_groups(request, work)


@login_not_required
@require_http_methods(["GET", "POST"])
@ratelimit.answers_too_many_attempts
def logbook(request: HttpRequest, token: str) -> HttpResponse:
    """A working group's logbook between workshops, through its link (no account needed)."""
    group = get_group_for_logbook(request, token)
    programme = group.work.activity.seminar.programme
    form = LogbookForm(posted(request), initial={"key": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        services.add_logbook_entry(
            group=group,
            key=form.cleaned_data["key"],
            tried=form.cleaned_data["tried"],
            happened=form.cleaned_data["happened"],
        )
        messages.success(request, _("Saved in the logbook."))
        response = redirect("logbook", token)
    else:
        response = render_participant(
            request,
            "seminars/logbook.html",
            {
                "group": group,
                "notes": groups.notes_of(group.work, group),
                "entries": group.logbook.all(),
                "form": LogbookForm(initial={"key": uuid.uuid4()}) if form.is_valid() else form,
            },
            status=422 if form.errors else 200,
            language=phone_language(request, default=programme.language),
        )
    response["Referrer-Policy"] = "same-origin"  # the token never leaves for another site
    return response
