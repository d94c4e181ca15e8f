"""Team plans as frozen data for every audience: the pages, the phones and the report.

Owners appear only when the caller may show them (the team, the room, facilitators);
managers' pages, exports and the report get actions without owner names. "Did it make a
difference?" figures are shown from k answers and move only in steps of k.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from actionplans import personal
from actionplans.access import visible_plans
from actionplans.models import Action, DifferenceRating, ProgressUpdate, TeamPlan
from programmes.access import ProgrammeAccess
from seminars.models import Vote
from surveys.models import Element

STATUSES = tuple(Action.Status.values)


@dataclass(frozen=True)
class Difference:
    """ "Did it make a difference?" for one action: the mean of whole steps of k answers."""

    n: int  # answers counted: a multiple of k
    mean: float | None  # None until k have answered


@dataclass(frozen=True)
class Update:
    day: datetime.date
    status: str
    status_label: str
    note: str


@dataclass(frozen=True)
class ActionRow:
    pk: int
    version: int
    text: str
    owner: str  # "" when the audience may not see owners
    due: datetime.date | None
    status: str
    status_label: str
    overdue: bool
    updates: tuple[Update, ...]
    difference: Difference
    on_wins_board: bool


@dataclass(frozen=True)
class PlanCard:
    pk: int
    version: int
    title: str
    scope: str  # the unit's or group's name, "" for the whole programme
    focus: str
    focus_label: str
    goal: str
    success_sign: str
    source_title: str  # the voted improvement area it came from, if any
    source_dots: int | None
    seminar: str
    rows: tuple[ActionRow, ...]
    counts: dict[str, int]
    overdue: int


@dataclass(frozen=True)
class ScopeRow:
    """One unit's (or group's, or the whole programme's) plans, counted."""

    scope: str
    plans: int
    counts: dict[str, int]
    overdue: int
    rated: int  # done actions with a "did it make a difference?" figure
    difference: float | None  # the mean of those figures


@dataclass(frozen=True)
class Overview:
    """All plans a viewer may read, with the programme's totals and a row per scope."""

    cards: tuple[PlanCard, ...]
    totals: dict[str, int]
    overdue: int
    actions: int
    scopes: tuple[ScopeRow, ...] = ()
    personal: personal.PlanCounts | None = None  # counts only: plans are their owners' alone


def overview(access: ProgrammeAccess, *, owners: bool | None = None) -> Overview:
    """The plans this viewer may read (the report's source too); owners only for
    facilitators, and never when `owners` is False (the report, even a facilitator's)."""
    k = access.programme.min_group_size
    named = access.sees_names if owners is None else owners and access.sees_names
    cards = tuple(plan_card(plan, owners=named, k=k) for plan in visible_plans(access))
    totals = Counter()
    for card in cards:
        totals.update(card.counts)
    return Overview(
        cards=cards,
        totals={status: totals.get(status, 0) for status in STATUSES},
        overdue=sum(card.overdue for card in cards),
        actions=sum(len(card.rows) for card in cards),
        scopes=_by_scope(cards),
        personal=_personal_counts(access, k),
    )


def _personal_counts(access: ProgrammeAccess, k: int) -> personal.PlanCounts:
    """Personal-plan counts, per unit only from k plans; a manager limited to a subtree sees
    its units' rows (and the programme's totals, which the rule already allows)."""
    counts = personal.counts(access.programme, k)
    if access.sees_whole_programme:
        return counts
    units = tuple(row for row in counts.units if access.sees(row.unit_id))
    return dataclasses.replace(counts, units=units, other_units=None)


def _by_scope(cards: tuple[PlanCard, ...]) -> tuple[ScopeRow, ...]:
    scopes: dict[str, list[PlanCard]] = {}
    for card in cards:
        scopes.setdefault(card.scope, []).append(card)
    rows = []
    for scope, group in sorted(scopes.items(), key=lambda pair: (pair[0] == "", pair[0])):
        counts = Counter()
        for card in group:
            counts.update(card.counts)
        figures = [
            r.difference.mean for c in group for r in c.rows if r.difference.mean is not None
        ]
        rows.append(
            ScopeRow(
                scope=scope,
                plans=len(group),
                counts={status: counts.get(status, 0) for status in STATUSES},
                overdue=sum(card.overdue for card in group),
                rated=len(figures),
                difference=round(sum(figures) / len(figures), 1) if figures else None,
            )
        )
    return tuple(rows)


def plan_card(plan: TeamPlan, *, owners: bool, k: int) -> PlanCard:
    actions = list(plan.actions.all())
    updates = _updates([a.pk for a in actions])
    ratings = _ratings([a.pk for a in actions])
    rows = tuple(
        action_row(
            a, owners=owners, updates=updates.get(a.pk, ()), ratings=ratings.get(a.pk, []), k=k
        )
        for a in actions
    )
    counts = Counter(row.status for row in rows)
    dots = None
    if plan.source_id is not None:
        dots = Vote.objects.filter(group_id=plan.source_id).aggregate(dots=Sum("dots"))["dots"] or 0
    scope = plan.unit.name if plan.unit_id else (plan.group.name if plan.group_id else "")
    return PlanCard(
        pk=plan.pk,
        version=plan.version,
        title=plan.title,
        scope=scope,
        focus=plan.focus,
        focus_label=str(dict(Element.choices).get(plan.focus, "")),
        goal=plan.goal,
        success_sign=plan.success_sign,
        source_title=(plan.source.title or plan.title) if plan.source_id else "",
        source_dots=dots,
        seminar=plan.seminar.title if plan.seminar_id else "",
        rows=rows,
        counts={status: counts.get(status, 0) for status in STATUSES},
        overdue=sum(row.overdue for row in rows),
    )


def action_row(
    action: Action,
    *,
    owners: bool,
    updates: tuple[Update, ...] | None = None,
    ratings: list[int] | None = None,
    k: int | None = None,
) -> ActionRow:
    if updates is None:
        updates = _updates([action.pk]).get(action.pk, ())
    if ratings is None:
        ratings = _ratings([action.pk]).get(action.pk, [])
    k = k or action.plan.programme.min_group_size
    today = timezone.localdate()
    return ActionRow(
        pk=action.pk,
        version=action.version,
        text=action.text,
        owner=action.owner if owners else "",
        due=action.due,
        status=action.status,
        status_label=str(action.get_status_display()),
        overdue=action.is_open and action.due is not None and action.due < today,
        updates=updates,
        difference=difference(ratings, k),
        on_wins_board=action.win_id is not None,
    )


def difference(ratings: list[int], k: int) -> Difference:
    """The mean of the first whole steps of k answers (in the order they came)."""
    counted = len(ratings) // k * k
    if counted == 0:
        return Difference(0, None)
    return Difference(counted, round(sum(ratings[:counted]) / counted, 1))


def _updates(action_ids: list[int]) -> dict[int, tuple[Update, ...]]:
    found: dict[int, list[Update]] = {}
    labels = dict(Action.Status.choices)
    for update in ProgressUpdate.objects.filter(action_id__in=action_ids).order_by(
        "created_at", "pk"
    ):
        found.setdefault(update.action_id, []).append(
            Update(
                timezone.localdate(update.created_at),
                update.status,
                str(labels.get(update.status, update.status)),
                update.note,
            )
        )
    return {pk: tuple(rows) for pk, rows in found.items()}


def _ratings(action_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    rows = DifferenceRating.objects.filter(action_id__in=action_ids).order_by("pk")
    for action_id, value in rows.values_list("action_id", "value"):
        found.setdefault(action_id, []).append(value)
    return found


def export_rows(summary: Overview) -> list[list]:
    """One row per action (a plan without actions gets one row), for the CSV export; the
    owner column is there only when the summary carries owners (facilitators)."""
    owners = any(row.owner for card in summary.cards for row in card.rows)
    header = [
        _("Plan"),
        _("For"),
        _("Focus"),
        _("Goal"),
        _("How we will notice"),
        _("Action"),
        *([_("Who")] if owners else []),
        _("By when"),
        _("Status"),
        _("Overdue"),
        _("Did it make a difference? (mean, 1-5)"),
        _("Answers counted"),
    ]
    rows = [[str(cell) for cell in header]]
    for card in summary.cards:
        head = [card.title, card.scope or str(_("The whole programme")), card.focus_label]
        head += [card.goal, card.success_sign]
        for row in card.rows or (None,):
            if row is None:
                rows.append([*head, "", *([""] if owners else []), "", "", "", None, None])
                continue
            rows.append(
                [
                    *head,
                    row.text,
                    *([row.owner] if owners else []),
                    row.due.isoformat() if row.due else "",
                    row.status_label,
                    str(_("yes")) if row.overdue else "",
                    row.difference.mean,
                    row.difference.n or None,
                ]
            )
    return rows
