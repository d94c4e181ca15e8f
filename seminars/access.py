"""Access helpers for seminars: always through the programme's own helpers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from programmes import ratelimit
from programmes.models import Programme, hash_token
from programmes.participants import render_participant
from seminars import schedule
from seminars.models import (
    Activity,
    Board,
    Evaluation,
    GroupWork,
    Post,
    PostGroup,
    Seat,
    Seminar,
    Session,
    WorkGroup,
)
from seminars.rooms import session_seat


def get_seminar(programme: Programme, seminar_id: int) -> Seminar:
    """A seminar of a programme the caller has already been given access to.

    Its address holds its id, not its number, so it stays the same when seminars move.
    """
    try:
        return Seminar.objects.get(programme=programme, pk=seminar_id)
    except Seminar.DoesNotExist:
        raise Http404 from None


def get_session(seminar: Seminar, session_id: int) -> Session:
    """A sitting of the seminar, or 404."""
    found = Session.objects.select_related("seminar__programme")
    found = found.filter(pk=session_id, seminar=seminar).first()
    if found is None:
        raise Http404
    return found


def get_activity(seminar: Seminar, activity_id: int) -> Activity:
    try:
        return Activity.objects.get(pk=activity_id, seminar=seminar)
    except Activity.DoesNotExist:
        raise Http404 from None


def get_seminar_for_display(request: HttpRequest, token: str) -> tuple[Seminar, str]:
    """The seminar whose display link this is (its own, or one of its sittings'), with the
    room code that wall shows, while the link is valid; else 404.

    A token no seminar has ever been given counts as a failed attempt, and past the limit
    raises TooManyAttempts (429); a link that has expired is not a guess and is not counted.
    """
    token_hash = hash_token(token[:100])
    now = timezone.now()
    shown = Seminar.objects.select_related("programme", "wall_board", "wall_group_work")
    shown = shown.annotate(seat_count=Count("seats"))
    seminar = (
        shown.filter(display_token_hash=token_hash, display_valid_until__gt=now)
        .exclude(display_token_hash="")
        .first()
    )
    code = seminar.room_code if seminar is not None else ""
    if seminar is None:
        sitting = (
            Session.objects.filter(display_token_hash=token_hash, display_valid_until__gt=now)
            .exclude(display_token_hash="")
            .values_list("seminar_id", "room_code")
            .first()
        )
        if sitting is not None:
            seminar, code = shown.get(pk=sitting[0]), sitting[1]
    if seminar is None and not (
        Seminar.objects.filter(display_token_hash=token_hash).exists()
        or Session.objects.filter(display_token_hash=token_hash).exists()
    ):
        ratelimit.count_unknown_token(request, ratelimit.LINK_TOKEN)
    if seminar is None or seminar.programme.is_archived:
        raise Http404
    return seminar, code


# What runs an agenda row in the room (a board, group work, an evaluation) hangs on its
# activity, one to one, and is reached in one of two ways.


def _of_activity(model, kind: str, seminar: Seminar, activity_id: int):
    """Staff: the row of one of the seminar's activities of this kind, or 404."""
    found = (
        model.objects.select_related("activity__seminar__programme")
        .filter(activity_id=activity_id)
        .filter(activity__seminar=seminar)
        .filter(activity__kind=kind)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _for_phone(request: HttpRequest, model, kind: str, pk: int) -> tuple:
    """Phones: the row in a room this phone entered, with the phone's seat there; else 404.

    A phone gets a seat by entering the room's code (or through its personal link), so an
    id alone, a seat from another room or an archived programme leads nowhere. Once the
    seminar is over, SeminarOver is raised (the views answer 410: nothing is taken any more).
    """
    found = (
        model.objects.select_related("activity__seminar__programme")
        .filter(pk=pk)
        .filter(activity__kind=kind)
        .first()
    )
    if found is None:
        raise Http404
    seat = session_seat(request, found.activity.seminar_id)
    if seat is None:
        raise Http404
    if found.activity.seminar.programme.is_archived:
        raise Http404
    if schedule.is_over(found.activity.seminar):
        raise SeminarOver(found.activity.seminar)
    return found, seat


class SeminarOver(Exception):
    """A phone asked for something in the room of a seminar that has ended."""

    def __init__(self, seminar: Seminar) -> None:
        super().__init__(seminar.pk)
        self.seminar = seminar


def room_over(request: HttpRequest, seminar: Seminar) -> HttpResponse:
    """A seminar that has ended: nothing in its room is taken any more (410, said plainly)."""
    return render_participant(
        request,
        "seminars/room_over.html",
        {"seminar": seminar},
        status=410,
        written_in=seminar.programme.language,
    )


def answers_seminar_over(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn SeminarOver, raised when a phone reaches into an ended seminar, into its page
    (for every app whose phone views go through the room: boards, groups, plans)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except SeminarOver as over:
            return room_over(request, over.seminar)

    return wrapper


def get_board(seminar: Seminar, activity_id: int) -> Board:
    """The board of one of the seminar's activities (an activity of kind board), or 404."""
    return _of_activity(Board, Activity.Kind.BOARD, seminar, activity_id)


def get_post(board: Board, post_id: int) -> Post:
    try:
        return Post.objects.select_related("board__activity__seminar__programme").get(
            pk=post_id, board=board
        )
    except Post.DoesNotExist:
        raise Http404 from None


def get_group(board: Board, group_id: int) -> PostGroup:
    try:
        return PostGroup.objects.select_related("board__activity__seminar__programme").get(
            pk=group_id, board=board
        )
    except PostGroup.DoesNotExist:
        raise Http404 from None


def get_board_for_phone(request: HttpRequest, board_id: int) -> tuple[Board, Seat]:
    """A board in a room this phone entered, with the phone's seat there; else 404."""
    return _for_phone(request, Board, Activity.Kind.BOARD, board_id)


def get_group_work(seminar: Seminar, activity_id: int) -> GroupWork:
    """The group work of one of the seminar's discussion activities, or 404."""
    return _of_activity(GroupWork, Activity.Kind.DISCUSSION, seminar, activity_id)


def get_work_group(work: GroupWork, group_id: int) -> WorkGroup:
    try:
        return WorkGroup.objects.get(pk=group_id, work=work)
    except WorkGroup.DoesNotExist:
        raise Http404 from None


def get_group_work_for_phone(request: HttpRequest, work_id: int) -> tuple[GroupWork, Seat]:
    """Group work in a room this phone entered, with the phone's seat there; else 404."""
    return _for_phone(request, GroupWork, Activity.Kind.DISCUSSION, work_id)


def get_evaluation(seminar: Seminar, activity_id: int) -> Evaluation:
    """The evaluation of one of the seminar's evaluation activities, or 404."""
    return _of_activity(Evaluation, Activity.Kind.EVALUATION, seminar, activity_id)


def get_evaluation_for_phone(request: HttpRequest, evaluation_id: int) -> tuple[Evaluation, Seat]:
    """An evaluation in a room this phone entered, with the phone's seat there; else 404."""
    return _for_phone(request, Evaluation, Activity.Kind.EVALUATION, evaluation_id)


def get_seminar_for_documentation(request: HttpRequest, token: str) -> Seminar:
    """The seminar whose released documentation this share link opens; else 404.

    A token no seminar has counts as a failed attempt (429 past the limit).
    """
    token_hash = hash_token(token[:100])
    seminar = (
        Seminar.objects.select_related("programme")
        .filter(documentation_token_hash=token_hash)
        .exclude(documentation_token_hash="")
        .first()
    )
    if seminar is None:
        ratelimit.count_unknown_token(request, ratelimit.LINK_TOKEN)
        raise Http404
    if seminar.programme.is_archived:
        raise Http404
    return seminar


def get_group_for_logbook(request: HttpRequest, token: str) -> WorkGroup:
    """The working group whose logbook link this is; else 404 (unknown tokens are counted)."""
    token_hash = hash_token(token[:100])
    group = (
        WorkGroup.objects.select_related("work__activity__seminar__programme")
        .filter(logbook_token_hash=token_hash)
        .exclude(logbook_token_hash="")
        .first()
    )
    if group is None:
        ratelimit.count_unknown_token(request, ratelimit.LINK_TOKEN)
        raise Http404
    if group.work.activity.seminar.programme.is_archived:
        raise Http404
    return group
