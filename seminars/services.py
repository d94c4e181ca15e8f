"""Seminar operations that touch several rows."""

from __future__ import annotations

import datetime
import functools
import secrets
import uuid
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from programmes import audit
from programmes.models import Programme, Unit, hash_token, new_token
from seminars import nameguard, voting
from seminars.blueprints import BLUEPRINTS
from seminars.models import (
    Activity,
    Board,
    Evaluation,
    EvaluationAnswer,
    EvaluationDone,
    EvaluationResponse,
    GroupSeat,
    GroupWork,
    LogbookEntry,
    Post,
    PostGroup,
    Seat,
    Seminar,
    Session,
    Vote,
    Wall,
    WorkGroup,
)
from surveys.services import unused_room_code

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
                room_code=unused_room_code(),
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
            Board.objects.bulk_create(
                Board(activity=row, **default_board(blueprint_row.board))
                for row, blueprint_row in zip(activities, blueprint.activities, strict=True)
                if blueprint_row.kind == Activity.Kind.BOARD
            )
            Evaluation.objects.bulk_create(
                Evaluation(activity=row)
                for row in activities
                if row.kind == Activity.Kind.EVALUATION
            )
            GroupWork.objects.bulk_create(
                GroupWork(
                    activity=row,
                    trial_period=blueprint_row.trial,
                    headings=_headings(blueprint_row),
                )
                for row, blueprint_row in zip(activities, blueprint.activities, strict=True)
                if row.kind == Activity.Kind.DISCUSSION
            )
            seminar.ends_at = clock.time()
            seminar.save(update_fields=["ends_at"])
            seminars.append(seminar)
    # The standard evaluation questions are made with the programme, in its language, so no
    # page that only reads (a report, a GET) ever has to make them.
    from seminars.evaluations import questions_for

    questions_for(programme)
    return seminars


DISPLAY_HOURS_WITHOUT_DATE = 12


def issue_display_token(*, seminar: Seminar | Session, token: str | None = None) -> str:
    """A new read-only display link for the projector, valid to the end of the seminar day.

    A sitting of the seminar (a Session) gets a link of its own the same way, valid to the
    end of its day. A given token replaces the random one: the demo derives its own from
    the secret key, so that running it again prints the same projector address.
    """
    if token is None:
        token, token_hash = new_token()
    else:
        token_hash = hash_token(token)
    now = timezone.now()
    if seminar.date is not None and seminar.date >= timezone.localdate():
        # The day ends at the next midnight, so the link holds through its last minute.
        next_day = seminar.date + datetime.timedelta(days=1)
        valid_until = timezone.make_aware(datetime.datetime.combine(next_day, datetime.time.min))
    else:
        valid_until = now + datetime.timedelta(hours=DISPLAY_HOURS_WITHOUT_DATE)
    seminar.display_token_hash = token_hash
    seminar.display_valid_until = valid_until
    seminar.save(update_fields=["display_token_hash", "display_valid_until"])
    return token


# --- Boards -------------------------------------------------------------------------------
#
# Phones post and vote; the facilitator moves the board through its phases and moderates.
# Every change bumps the board's version, which the wall and the control view poll for.
#
# Locks are always taken in one order, so two requests can never wait for each other: the
# seat's row, then the post groups touched (by id), then the board's row (the version bump,
# last, so the hot row is held only for the commit).


class BoardError(Exception):
    """A request the board does not allow now; `message` is safe to show on the phone."""

    status = 409
    message = _("That is not possible on this board right now.")


class PhaseClosed(BoardError):
    message = _("This step of the board is over. Look at the screen to see what happens now.")


class NotVotable(BoardError):
    message = _("That item is no longer on the board. Reload the page to see the board now.")


class KeyTaken(BoardError):
    message = _("This form has already been used. Update the page and write your post again.")


class NoVoting(BoardError):
    message = _("There is no voting on this board.")


class TooManyPosts(BoardError):
    status = 429
    message = _("You have written as many posts as one person may on this board.")


POSTS_PER_SEAT = 20
PHONE_PHASES = {
    "post": {Board.Phase.COLLECT},
    "vote": {Board.Phase.VOTE},
}


def default_board(kind: str) -> dict:
    """A new board's settings for its kind: the kinds a room chooses among vote."""
    voting = kind in {Board.Kind.IMPROVEMENT_AREAS, Board.Kind.DILEMMAS, Board.Kind.QUESTIONS}
    return {"kind": kind, "voting": voting}


def ensure_board(*, activity: Activity, kind: str = Board.Kind.GOOD_EXAMPLES) -> Board | None:
    """The board of a board activity, made the first time the activity is one."""
    if activity.kind != Activity.Kind.BOARD:
        return None
    board, _created = Board.objects.get_or_create(activity=activity, defaults=default_board(kind))
    return board


def _bump(board: Board) -> None:
    Board.objects.filter(pk=board.pk).update(version=F("version") + 1)


@dataclass(frozen=True)
class Posted:
    """What became of a post: its row (its state says whether it waits), and whether this
    request stored it."""

    post: Post
    created: bool


def add_post(
    *,
    board: Board,
    seat: Seat,
    text: str,
    key: uuid.UUID,
    unit: Unit | None = None,
    column: str = "",
    guard: nameguard.Guard,
) -> Posted:
    """Store a phone's post once per key; a post the name guard stops waits for review.

    A resend of the same form (same key) returns the stored post and stores nothing. The
    seat's row is locked while its posts are counted, so two tabs cannot pass the limit.
    """
    with transaction.atomic():
        Seat.objects.select_for_update().filter(pk=seat.pk).first()
        existing = Post.objects.filter(board=board, key=key).first()
        if existing is not None and existing.seat_id != seat.pk:
            raise KeyTaken  # a key copied from another phone's form: say nothing of that post
        if existing is not None:
            return Posted(existing, created=False)
        phase = Board.objects.values_list("phase", flat=True).get(pk=board.pk)
        if phase not in PHONE_PHASES["post"]:
            raise PhaseClosed
        if Post.objects.filter(board=board, seat=seat).count() >= POSTS_PER_SEAT:
            raise TooManyPosts
        reasons = [str(reason.value) for reason in nameguard.check(text, guard)]
        held = reasons or board.review_first
        post = Post.objects.create(
            board=board,
            group=PostGroup.objects.create(board=board),
            seat=seat,
            key=key,
            text=text,
            unit=unit,
            column=column,
            state=Post.State.REVIEW if held else Post.State.VISIBLE,
            held_for=",".join(reasons),
        )
        _bump(board)
    return Posted(post, created=True)


def guard_for_programme(programme: Programme) -> nameguard.Guard:
    """The name guard for a programme: its participant list and its managers.

    Built once per list: the names are read on every post (two small queries), and a list
    this process has seen before reuses its guard (keyed by the names themselves, so an
    edited list is never checked against an old guard).
    """
    names = list(programme.participants.exclude(name="").values_list("name", flat=True))
    for first, last in programme.managers.values_list("user__first_name", "user__last_name"):
        names.append(f"{first} {last}".strip())
    return _guard(tuple(sorted(names)))


@functools.lru_cache(maxsize=16)
def _guard(names: tuple[str, ...]) -> nameguard.Guard:
    return nameguard.guard_for(names)


def vote(*, board: Board, seat: Seat, wanted: dict[int, int]) -> dict[int, int]:
    """Set the seat's dots on some items of the board; the seat's dots afterwards.

    Checked and written in one transaction under a lock on the seat's row
    (`voting.allocate` says why the rule holds for any sequence of requests).
    """
    with transaction.atomic():
        Seat.objects.select_for_update().filter(pk=seat.pk).first()
        locked = Board.objects.values_list("phase", "voting", "dots_per_seat", "dots_per_item")
        phase, has_voting, per_seat, per_item = locked.get(pk=board.pk)
        if not has_voting:
            raise NoVoting
        if phase not in PHONE_PHASES["vote"]:
            raise PhaseClosed
        groups = set(
            PostGroup.objects.select_for_update()
            .filter(board=board, pk__in=wanted)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        votes = {v.group_id: v for v in Vote.objects.filter(board=board, seat=seat)}
        current = {group: v.dots for group, v in votes.items()}
        if set(wanted) - groups:
            raise NotVotable
        raised = {g for g, dots in wanted.items() if dots > current.get(g, 0)}
        if raised - set(votable_groups(board).filter(pk__in=raised).values_list("pk", flat=True)):
            raise NotVotable  # a hidden item keeps its dots but takes no more
        after = voting.allocate(current, wanted, per_seat=per_seat, per_item=per_item)
        for group in wanted:
            dots, row = after.get(group, 0), votes.get(group)
            if row is not None and not dots:
                row.delete()
            elif row is not None and row.dots != dots:
                row.dots = dots
                row.save(update_fields=["dots"])
            elif row is None and dots:
                Vote.objects.create(board=board, seat=seat, group_id=group, dots=dots)
        if after != current:
            _bump(board)
    return after


def votable_groups(board: Board):
    """The items a seat may add dots to: groups with at least one visible post."""
    return PostGroup.objects.filter(board=board, posts__state=Post.State.VISIBLE).distinct()


# --- The facilitator's side of a board ----------------------------------------------------


@transaction.atomic
def set_phase(*, request: HttpRequest, board: Board, phase: str) -> Board:
    """Move the board to a phase (any phase may be skipped or gone back to)."""
    Board.objects.filter(pk=board.pk).update(phase=phase, version=F("version") + 1)
    board.refresh_from_db()
    programme = board.activity.seminar.programme
    audit.record(request, action="board.phase", obj=board, programme=programme)
    return board


@transaction.atomic
def change_board(*, request: HttpRequest, board: Board, fields: list[str]) -> Board:
    """Save the board's settings (a form's instance); lowering the budget spends no dots."""
    board.save()
    _bump(board)
    programme = board.activity.seminar.programme
    audit.record(request, action="board.settings", obj=board, programme=programme, fields=fields)
    return board


MODERATION = {
    "hide": Post.State.HIDDEN,
    "show": Post.State.VISIBLE,  # unhide, or let a post waiting for review onto the wall
}


@transaction.atomic
def moderate(*, request: HttpRequest, post: Post, action: str) -> Post:
    """Hide a post, show it again, or let one waiting for review onto the wall."""
    post.state = MODERATION[action]
    post.save(update_fields=["state"])
    _bump(post.board)
    audit.record(
        request,
        action=f"post.{action}",
        obj=post,
        programme=post.board.activity.seminar.programme,
    )
    return post


@transaction.atomic
def fix_post(*, request: HttpRequest, post: Post, text: str) -> Post:
    """Correct a typo in a post (the change is audited, its text is not kept in the log)."""
    post.text = text
    post.save(update_fields=["text"])
    _bump(post.board)
    programme = post.board.activity.seminar.programme
    audit.record(request, action="post.edit", obj=post, programme=programme, fields=["text"])
    return post


@transaction.atomic
def merge(*, request: HttpRequest, board: Board, into: PostGroup, others: list[PostGroup]):
    """Merge items into one: their posts and their dots follow.

    A seat with dots on several of the merged items keeps all of them on the merged one,
    even above the per-item limit (it can add no more there). Locks the groups in id order,
    as a vote does, so a vote on a group being merged waits and then finds it gone.
    """
    ids = sorted({into.pk, *(group.pk for group in others)})
    locked = list(PostGroup.objects.select_for_update().filter(board=board, pk__in=ids))
    if len(locked) != len(ids):
        raise NotVotable
    gone = [pk for pk in ids if pk != into.pk]
    Post.objects.filter(group_id__in=gone).update(group=into)
    totals: dict[int, int] = {}
    for seat_id, dots in Vote.objects.filter(group_id__in=ids).values_list("seat_id", "dots"):
        totals[seat_id] = totals.get(seat_id, 0) + dots
    Vote.objects.filter(group_id__in=ids).delete()
    Vote.objects.bulk_create(
        Vote(board=board, seat_id=seat_id, group=into, dots=dots)
        for seat_id, dots in totals.items()
    )
    PostGroup.objects.filter(pk__in=gone).delete()
    _bump(board)
    programme = board.activity.seminar.programme
    audit.record(
        request,
        action="board.merge",
        obj=into,
        programme=programme,
        counts={"items": len(gone) + 1},
    )
    return into


@transaction.atomic
def split_post(*, request: HttpRequest, post: Post) -> PostGroup:
    """Take a post out of a merged item into one of its own (the dots stay where they are)."""
    group = PostGroup.objects.create(board=post.board)
    post.group = group
    post.save(update_fields=["group"])
    _bump(post.board)
    programme = post.board.activity.seminar.programme
    audit.record(request, action="post.split", obj=post, programme=programme)
    return group


@transaction.atomic
def change_group(*, request: HttpRequest, group: PostGroup, fields: list[str]) -> PostGroup:
    """Save an item's title and dimension tag (a form's instance)."""
    group.save()
    _bump(group.board)
    programme = group.board.activity.seminar.programme
    audit.record(request, action="group.edit", obj=group, programme=programme, fields=fields)
    return group


@transaction.atomic
def present(
    *,
    request: HttpRequest,
    seminar: Seminar,
    wall: str,
    board: Board | None = None,
    activity: Activity | None = None,
):
    """Choose what the wall shows: the room and its survey, a board, the change, or an
    agenda row another app draws (team plans)."""
    seminar.wall = wall
    seminar.wall_board = board if wall == Wall.BOARD else None
    seminar.wall_activity = activity if wall == Wall.PLANS else None
    seminar.wall_group_work = seminar.wall_group = None
    seminar.wall_version += 1
    seminar.save(
        update_fields=[
            "wall",
            "wall_board",
            "wall_activity",
            "wall_group_work",
            "wall_group",
            "wall_version",
        ]
    )
    audit.record(request, action="seminar.wall", obj=seminar, programme=seminar.programme)
    return seminar


# --- Group work -----------------------------------------------------------------------------


class NotAMember(BoardError):
    status = 403
    message = _("You are not in this group. Choose your group first.")


class GroupWorkClosed(BoardError):
    message = _("The group work is closed. Your text was not saved; copy it if you need it.")


class NotesStale(BoardError):
    """Someone saved the group's notes after this phone opened them: both texts are shown."""

    message = _(
        "Someone in your group saved the notes while you were writing. Both texts are "
        "below: merge them in your text and save again."
    )

    def __init__(self, theirs: dict[str, str], version: int):
        super().__init__()
        self.theirs = theirs
        self.version = version


def default_headings() -> list[str]:
    """A discussion's headings until the facilitator chooses others (in the active language)."""
    return [str(_("Challenges")), str(_("Goals and next steps"))]


def _headings(row) -> list[str]:
    """A blueprint discussion row's headings, in the active language."""
    if row.headings:
        return [str(heading) for heading in row.headings]
    return trial_headings() if row.trial else default_headings()


def trial_headings() -> list[str]:
    """A trial period's headings: what each group tries before the next workshop."""
    return [str(_("Try this before next time"))]


def ensure_group_work(*, activity: Activity) -> GroupWork | None:
    """The group work of a discussion activity, made the first time the activity is one."""
    if activity.kind != Activity.Kind.DISCUSSION:
        return None
    work, _created = GroupWork.objects.get_or_create(
        activity=activity, defaults={"headings": default_headings()}
    )
    return work


def _bump_work(work: GroupWork) -> None:
    GroupWork.objects.filter(pk=work.pk).update(version=F("version") + 1)


def _programme_of(work: GroupWork) -> Programme:
    return work.activity.seminar.programme


@transaction.atomic
def change_group_work(*, request: HttpRequest, work: GroupWork, fields: list[str]) -> GroupWork:
    """Save the question, the headings and whether phones may write (a form's instance).

    Renamed headings keep their notes: the texts move to the heading in the same place, and
    a heading's text that no heading takes stays stored under its old name. Each group's
    version moves on, so a phone still writing under the old headings gets both texts.
    """
    old = list(GroupWork.objects.values_list("headings", flat=True).get(pk=work.pk))
    new = list(work.headings)
    work.save()
    if old != new:
        for group in WorkGroup.objects.select_for_update().filter(work=work):
            notes = dict(group.notes)
            moved = {
                new[i]: notes.pop(heading)
                for i, heading in enumerate(old[: len(new)])
                if heading in notes and notes.get(heading)
            }
            group.notes = {**notes, **moved}
            group.notes_version += 1
            group.save(update_fields=["notes", "notes_version"])
    _bump_work(work)
    audit.record(
        request, action="groups.settings", obj=work, programme=_programme_of(work), fields=fields
    )
    return work


@transaction.atomic
def add_group(*, request: HttpRequest, work: GroupWork, name: str, units=()) -> WorkGroup:
    """A free group: a table, or a mix of units ("Kungsör + Köping")."""
    group = WorkGroup.objects.create(work=work, name=name, position=work.groups.count())
    group.units.set(units)
    _bump_work(work)
    audit.record(request, action="groups.add", obj=group, programme=_programme_of(work))
    return group


@transaction.atomic
def groups_per_unit(*, request: HttpRequest, work: GroupWork) -> list[WorkGroup]:
    """One group per team (each unit without sub-units) that has no group yet."""
    programme = _programme_of(work)
    tree = programme.unit_tree()
    taken = set(work.groups.values_list("units", flat=True))
    made = []
    for node in tree.walk():
        if node.children or node.id in taken:
            continue
        group = WorkGroup.objects.create(work=work, name=node.name, position=work.groups.count())
        group.units.set([node.id])
        made.append(group)
    _bump_work(work)
    audit.record(
        request,
        action="groups.per_unit",
        obj=work,
        programme=programme,
        counts={"groups": len(made)},
    )
    return made


@transaction.atomic
def remove_group(*, request: HttpRequest, group: WorkGroup) -> None:
    work = group.work
    audit.record(request, action="groups.remove", object_id=group.pk, programme=_programme_of(work))
    group.delete()
    _bump_work(work)


def join_group(*, work: GroupWork, group: WorkGroup, seat: Seat) -> None:
    """Put the seat in a group of the activity (moving it from another one)."""
    GroupSeat.objects.update_or_create(work=work, seat=seat, defaults={"group": group})
    _bump_work(work)


def save_notes(
    *, work: GroupWork, group: WorkGroup, seat: Seat, texts: dict[str, str], version: int
) -> WorkGroup:
    """Save a group's notes from a phone; no edit is silently lost.

    The phone sends the version it started from. If another phone saved since, the save is
    refused with both texts (NotesStale), unless it would change nothing (a double tap). The
    group's row is locked while the version is compared and written.
    """
    with transaction.atomic():
        if not GroupSeat.objects.filter(work=work, group=group, seat=seat).exists():
            raise NotAMember
        locked = WorkGroup.objects.select_for_update().get(pk=group.pk)
        if not GroupWork.objects.filter(pk=work.pk, is_open=True).exists():
            raise GroupWorkClosed
        if locked.notes == texts:
            return locked
        if locked.notes_version != version:
            raise NotesStale(locked.notes, locked.notes_version)
        locked.notes = texts
        locked.notes_version += 1
        locked.save(update_fields=["notes", "notes_version"])
        _bump_work(work)
    return locked


@transaction.atomic
def present_groups(
    *, request: HttpRequest, seminar: Seminar, work: GroupWork, group: WorkGroup | None
) -> Seminar:
    """Put group notes on the wall: one group large, or all groups side by side."""
    seminar.wall = Wall.GROUPS
    seminar.wall_board = None
    seminar.wall_group_work = work
    seminar.wall_group = group
    seminar.wall_version += 1
    seminar.save(
        update_fields=["wall", "wall_board", "wall_group_work", "wall_group", "wall_version"]
    )
    audit.record(request, action="seminar.wall", obj=seminar, programme=seminar.programme)
    return seminar


# --- Seminar evaluations ------------------------------------------------------------------


class EvaluationClosed(BoardError):
    message = _("The evaluation has closed. Thank you all the same.")


class AlreadyEvaluated(BoardError):
    message = _("You have already answered this evaluation. Thank you.")


def ensure_evaluation(*, activity: Activity) -> Evaluation | None:
    """The evaluation of an evaluation activity, made the first time the activity is one."""
    if activity.kind != Activity.Kind.EVALUATION:
        return None
    evaluation, _created = Evaluation.objects.get_or_create(activity=activity)
    return evaluation


def submit_evaluation(
    *, evaluation: Evaluation, seat: Seat, key: uuid.UUID, answers: dict[int, int | str]
) -> bool:
    """Store a phone's evaluation once; True when this request stored it.

    The answers (no seat, no time) and the mark that the seat has answered are written in
    two transactions, as a survey response and its participation are, so the database does
    not join them. The seat's row is locked while it is checked, so two tabs wait for each
    other; a resend with the same key stores nothing.
    """
    with transaction.atomic():
        Seat.objects.select_for_update().filter(pk=seat.pk).first()
        if EvaluationResponse.objects.filter(evaluation=evaluation, key=key).exists():
            return False
        if EvaluationDone.objects.filter(evaluation=evaluation, seat=seat).exists():
            raise AlreadyEvaluated
        if not Evaluation.objects.filter(pk=evaluation.pk, is_open=True).exists():
            raise EvaluationClosed
        response = EvaluationResponse.objects.create(evaluation=evaluation, key=key)
        EvaluationAnswer.objects.bulk_create(
            EvaluationAnswer(
                response=response,
                question_id=question_id,
                value=answer if isinstance(answer, int) else None,
                text=answer if isinstance(answer, str) else "",
            )
            for question_id, answer in answers.items()
        )
        Evaluation.objects.filter(pk=evaluation.pk).update(version=F("version") + 1)
    EvaluationDone.objects.get_or_create(evaluation=evaluation, seat=seat)
    return True


@transaction.atomic
def change_evaluation(
    *, request: HttpRequest, evaluation: Evaluation, fields: list[str]
) -> Evaluation:
    """Open or close the evaluation, or save the facilitator's themes (a form's instance)."""
    evaluation.version += 1
    evaluation.save()
    # The wall's join code follows what is open in the room.
    Seminar.objects.filter(pk=evaluation.activity.seminar_id).update(
        wall_version=F("wall_version") + 1
    )
    programme = evaluation.activity.seminar.programme
    audit.record(
        request, action="evaluation.edit", obj=evaluation, programme=programme, fields=fields
    )
    return evaluation


# --- Documentation ------------------------------------------------------------------------


@transaction.atomic
def release_documentation(
    *, request: HttpRequest | None, seminar: Seminar, nonce: str | None = None
) -> str:
    """Release the documentation under a new share link (an older link stops working).

    The link is a keyed hash of a random nonce, so the facilitator's page and the room can
    show it again; a given nonce replaces the random one (the demo derives its own, so that
    running it again prints the same address). Without a request (the demo) nothing is
    audited.
    """
    seminar.documentation_nonce = nonce or secrets.token_hex(16)
    token = _share_token(seminar.documentation_nonce)
    seminar.documentation_token_hash = hash_token(token)
    seminar.documentation_released_at = timezone.now()
    seminar.save(
        update_fields=[
            "documentation_nonce",
            "documentation_token_hash",
            "documentation_released_at",
        ]
    )
    if request is not None:
        audit.record(
            request, action="documentation.release", obj=seminar, programme=seminar.programme
        )
    return token


def documentation_token(seminar: Seminar) -> str:
    """The released documentation's share link token, or "" while it is not released."""
    if not (seminar.documentation_nonce and seminar.documentation_token_hash):
        return ""
    return _share_token(seminar.documentation_nonce)


def _share_token(nonce: str) -> str:
    return salted_hmac("seminars.documentation", nonce, algorithm="sha256").hexdigest()


@transaction.atomic
def withdraw_documentation(*, request: HttpRequest, seminar: Seminar) -> None:
    seminar.documentation_token_hash = ""
    seminar.documentation_nonce = ""
    seminar.documentation_released_at = None
    seminar.save(
        update_fields=[
            "documentation_token_hash",
            "documentation_nonce",
            "documentation_released_at",
        ]
    )
    audit.record(request, action="documentation.withdraw", obj=seminar, programme=seminar.programme)


@transaction.atomic
def present_activity(*, request: HttpRequest, activity: Activity) -> Seminar:
    """Start an agenda row in the room: open it for phones and show it on the wall.

    A board not yet open starts collecting and goes on the wall; group work opens for notes
    and the wall shows all groups; an evaluation opens and the wall shows how to join.
    """
    seminar = Seminar.objects.select_for_update().get(pk=activity.seminar_id)
    seminar.programme = activity.seminar.programme
    board = Board.objects.filter(activity=activity).first()
    work = GroupWork.objects.filter(activity=activity).first()
    evaluation = Evaluation.objects.filter(activity=activity).first()
    if board is not None:
        if board.phase == Board.Phase.READY:
            Board.objects.filter(pk=board.pk).update(
                phase=Board.Phase.COLLECT, version=F("version") + 1
            )
        present(request=request, seminar=seminar, wall=Wall.BOARD, board=board)
    elif work is not None:
        GroupWork.objects.filter(pk=work.pk).update(is_open=True, version=F("version") + 1)
        present_groups(request=request, seminar=seminar, work=work, group=None)
    elif evaluation is not None:
        Evaluation.objects.filter(pk=evaluation.pk).update(is_open=True, version=F("version") + 1)
        present(request=request, seminar=seminar, wall=Wall.ROOM)
    return seminar


# --- Trial periods: a working group's logbook between workshops ----------------------------


@transaction.atomic
def issue_logbook_link(*, request: HttpRequest, group: WorkGroup) -> str:
    """A new logbook link for a working group (an older link stops working)."""
    token, token_hash = new_token()
    group.logbook_token_hash = token_hash
    group.save(update_fields=["logbook_token_hash"])
    audit.record(
        request, action="groups.logbook_link", obj=group, programme=_programme_of(group.work)
    )
    return token


def add_logbook_entry(
    *, group: WorkGroup, key: uuid.UUID, tried: str, happened: str
) -> LogbookEntry:
    """Add a line to the group's logbook once per form (a resend stores nothing)."""
    entry, _created = LogbookEntry.objects.get_or_create(
        group=group, key=key, defaults={"tried": tried, "happened": happened}
    )
    return entry


def email_documentation(*, seminar: Seminar, url: str) -> int:
    """Send the documentation's share link to every participant with an e-mail address."""
    programme = seminar.programme
    sent = 0
    with translation.override(programme.language):
        subject = _("Documentation: %(seminar)s") % {"seminar": seminar.title}
        for participant in programme.participants.exclude(email=""):
            context = {"programme": programme, "seminar": seminar, "participant": participant}
            send_mail(
                str(subject),
                render_to_string("emails/seminar_documentation.txt", {**context, "url": url}),
                None,
                [participant.email],
            )
            sent += 1
    return sent
