"""Team action plans: made from a voted improvement area, edited live, followed up.

Every change is audited with the names of the changed fields, never their text. Plans and
actions carry a version: a save that started from an older version is refused with what is
stored now, so two scribes editing one plan lose nothing.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.http import HttpRequest
from django.utils import timezone

from actionplans.models import (
    Action,
    DifferenceDone,
    DifferenceRating,
    ProgressUpdate,
    TeamPlan,
)
from programmes import audit
from programmes.models import Programme, Unit
from seminars.models import Board, Post, PostGroup, Seat, Seminar, WorkGroup
from surveys.dashboard import closed_rounds
from surveys.models import Element
from surveys.results import round_results

PLAN_FIELDS = ("title", "focus", "goal", "success_sign")
ACTION_FIELDS = ("text", "owner", "due", "status")


class Stale(Exception):
    """A save started from an older version: `current` is what is stored now."""

    def __init__(self, current: TeamPlan | Action) -> None:
        super().__init__(current.pk)
        self.current = current


class AlreadyAnswered(Exception):
    """This seat has already said whether the action made a difference."""


def _audit(request: HttpRequest, **entry) -> None:
    """An audit row for a change; a scribe's phone in the room has no account and is named
    by its role alone."""
    role = None if request.user.is_authenticated else "room"  # None: the actor's own role
    audit.record(request, role=role, **entry)


# --- Plans --------------------------------------------------------------------------------


@transaction.atomic
def create_plan(
    *,
    request: HttpRequest | None,
    programme: Programme,
    title: str,
    seminar: Seminar | None = None,
    unit: Unit | None = None,
    group: WorkGroup | None = None,
    focus: str = "",
    source: PostGroup | None = None,
) -> TeamPlan:
    """A new team plan and its audit row, in one transaction."""
    plan = TeamPlan.objects.create(
        programme=programme,
        title=title[:200],
        seminar=seminar,
        unit=unit,
        group=group,
        focus=focus,
        source=source,
    )
    if request is not None:
        _audit(request, action="plan.create", obj=plan, programme=programme)
    return plan


@transaction.atomic
def plan_from_item(*, request: HttpRequest | None, item: PostGroup) -> TeamPlan:
    """The plan for a voted improvement area: made on the first click, found on the next.

    It keeps its link to the item, so the chain improvement area -> votes -> plan ->
    follow-up can be followed; its title is the item's, and its focus the item's tag.
    """
    item = (
        PostGroup.objects.select_for_update()
        .select_related("board__activity__seminar")
        .get(pk=item.pk)
    )
    existing = item.plans.order_by("pk").first()
    if existing is not None:
        return existing
    seminar = item.board.activity.seminar
    title = item.title or _first_post_text(item)
    focus = item.dimension if item.dimension in Element.values else ""
    units = {post.unit_id for post in item.posts.all() if post.state == Post.State.VISIBLE}
    unit = None
    if len(units) == 1 and None not in units:
        unit = Unit.objects.filter(pk=units.pop()).first()
    return create_plan(
        request=request,
        programme=seminar.programme,
        title=title,
        seminar=seminar,
        unit=unit,
        focus=focus,
        source=item,
    )


def _first_post_text(item: PostGroup) -> str:
    post = item.posts.filter(state=Post.State.VISIBLE).order_by("pk").first()
    return post.text if post is not None else str(item.pk)


@transaction.atomic
def save_plan(
    *, request: HttpRequest | None, plan: TeamPlan, version: int, fields: dict
) -> TeamPlan:
    """Save the plan's own fields if nobody saved since `version`; else raise Stale."""
    current = TeamPlan.objects.select_for_update().get(pk=plan.pk)
    if current.version != version:
        raise Stale(current)
    changed = [
        name for name in PLAN_FIELDS if name in fields and getattr(current, name) != fields[name]
    ]
    if not changed:
        return current
    for name in changed:
        setattr(current, name, fields[name])
    current.version = F("version") + 1
    current.save(update_fields=[*changed, "version", "updated_at"])
    current.refresh_from_db()
    if request is not None:
        _audit(
            request, action="plan.edit", obj=current, programme=current.programme, fields=changed
        )
    return current


# --- Actions ------------------------------------------------------------------------------


@transaction.atomic
def add_action(
    *,
    request: HttpRequest | None,
    plan: TeamPlan,
    text: str,
    owner: str = "",
    due: datetime.date | None = None,
    status: str = Action.Status.PLANNED,
) -> Action:
    TeamPlan.objects.select_for_update().get(pk=plan.pk)  # one position at a time
    last = plan.actions.aggregate(last=Max("position"))["last"]
    action = Action.objects.create(
        plan=plan,
        position=0 if last is None else last + 1,
        text=text,
        owner=owner,
        due=due,
        status=status,
        done_at=timezone.now() if status == Action.Status.DONE else None,
    )
    if request is not None:
        _audit(request, action="action.create", obj=action, programme=plan.programme)
    return action


@transaction.atomic
def save_action(
    *, request: HttpRequest | None, action: Action, version: int, fields: dict
) -> Action:
    """Save an action if nobody saved it since `version`; else raise Stale."""
    current = Action.objects.select_for_update().select_related("plan__programme").get(pk=action.pk)
    if current.version != version:
        raise Stale(current)
    changed = [
        name for name in ACTION_FIELDS if name in fields and getattr(current, name) != fields[name]
    ]
    if not changed:
        return current
    _apply(current, {name: fields[name] for name in changed})
    if request is not None:
        _audit(
            request,
            action="action.edit",
            obj=current,
            programme=current.plan.programme,
            fields=changed,
        )
    return current


def _apply(action: Action, values: dict) -> None:
    """Write changed fields of a locked action, keep done_at true to its status."""
    for name, value in values.items():
        setattr(action, name, value)
    if "status" in values:
        done = values["status"] == Action.Status.DONE
        action.done_at = (action.done_at or timezone.now()) if done else None
    action.version += 1
    action.save(update_fields=[*values, "done_at", "version", "updated_at"])


@transaction.atomic
def delete_action(*, request: HttpRequest, action: Action) -> None:
    _audit(request, action="action.delete", obj=action, programme=action.plan.programme)
    action.delete()


# --- Follow-up ----------------------------------------------------------------------------


@transaction.atomic
def follow_up(
    *,
    request: HttpRequest | None,
    action: Action,
    seminar: Seminar | None,
    status: str,
    note: str,
    key: uuid.UUID,
) -> ProgressUpdate:
    """The team's word on an action at a follow-up: its status now and a progress note.

    A resend of the same form (same key) stores nothing twice.
    """
    done = ProgressUpdate.objects.filter(key=key).first()
    if done is not None:
        return done
    current = Action.objects.select_for_update().select_related("plan__programme").get(pk=action.pk)
    update = ProgressUpdate.objects.create(
        action=current, seminar=seminar, status=status, note=note, key=key
    )
    if current.status != status:
        _apply(current, {"status": status})
    if request is not None:
        _audit(
            request,
            action="action.follow_up",
            obj=current,
            programme=current.plan.programme,
            fields=["status", "note"] if note else ["status"],
        )
    return update


def rate_difference(*, action: Action, seat: Seat, value: int) -> None:
    """One phone's "did it make a difference?" for a done action, once per seat.

    The mark that the seat answered and the answer are written in separate transactions
    and rows, like evaluation answers: the rating row carries no seat and no time.
    """
    try:
        with transaction.atomic():
            DifferenceDone.objects.create(action=action, seat=seat)
    except IntegrityError:
        raise AlreadyAnswered from None
    DifferenceRating.objects.create(action=action, value=value)


def rated_by(seat: Seat) -> set[int]:
    """The actions this seat has already rated."""
    return set(DifferenceDone.objects.filter(seat=seat).values_list("action_id", flat=True))


@transaction.atomic
def send_to_wins(*, request: HttpRequest | None, action: Action, board: Board) -> Post:
    """Put a done action on the wins board as a visible post (once; a second click finds it)."""
    current = Action.objects.select_for_update().get(pk=action.pk)
    if current.win_id is not None:
        return current.win
    group = PostGroup.objects.create(board=board)
    post = Post.objects.create(
        board=board,
        group=group,
        key=uuid.uuid4(),
        text=current.text[:500],
        state=Post.State.VISIBLE,
    )
    current.win = post
    current.save(update_fields=["win"])
    Board.objects.filter(pk=board.pk).update(version=F("version") + 1)
    if request is not None:
        _audit(
            request, action="action.win", obj=current, programme=board.activity.seminar.programme
        )
    return post


# --- The focus: the dashboard's current figures ----------------------------------------


@dataclass(frozen=True)
class FocusFigure:
    """An element's current score for a plan's unit (or the programme), if it may be shown."""

    element: str
    label: str
    mean: float | None  # None: hidden by the anonymity rules, or no closed round yet
    n: int | None


def focus_figures(programme: Programme, unit: Unit | None) -> list[FocusFigure]:
    """The three elements' scores in the last closed round, lowest first (suggested first);
    hidden figures (under k, or protecting a smaller group) come last and show no number."""
    rounds = closed_rounds(programme)
    if not rounds:
        return [FocusFigure(value, str(label), None, None) for value, label in Element.choices]
    last = rounds[-1]
    results = round_results(programme, [last])[last.pk]
    figures = []
    for value, label in Element.choices:
        figure = results.figure(value, unit.pk if unit is not None else None)
        mean = figure.summary.mean if figure.shown and figure.summary is not None else None
        figures.append(FocusFigure(value, str(label), mean, figure.shown_n))
    return sorted(figures, key=lambda f: (f.mean is None, f.mean or 0))
