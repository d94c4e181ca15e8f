"""What the results dashboard, its exports and (later) the report show, as plain data.

Everything comes from `results.round_results`, computed once for the whole programme, and
is then filtered to what the viewer may see: a manager limited to a unit sees that unit's
subtree, never figures suppressed anew for it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from programmes.access import ProgrammeAccess
from programmes.inputs import parse_id
from surveys import anonymity, charts, scoring
from surveys.models import MEASURE_LABELS, Event, Round
from surveys.results import ResponseRate, RoundResults, response_rates_for, round_results

MEASURE_ORDER = (scoring.INDEX, *scoring.ELEMENTS, *scoring.SUBDIMENSIONS)
TREND_MEASURES = (scoring.INDEX, *scoring.ELEMENTS)
LARGE_GROUP = 30  # DOMAIN.md: the programme threshold applies with 30+ respondents per wave


def signed(value: float) -> str:
    """Whole points with their sign and a true minus: '+3', '−6', and '0' without a sign."""
    text = f"{value:+.0f}"
    if text in ("+0", "-0"):
        return "0"
    return text.replace("-", "\u2212")


def suppression_reason(result: anonymity.GroupResult, k: int) -> str:
    """Why a figure is hidden, in plain words for the page."""
    if result.suppressed == anonymity.SUPPRESSED_COMPLEMENTARY:
        return _(
            "Hidden because otherwise a smaller group’s answers could be worked out by "
            "subtracting the figures that are shown."
        )
    return _(
        "Hidden because fewer than %(k)s people answered: a group’s figure is shown from "
        "%(k)s answers."
    ) % {"k": k}


def suppression_label(result: anonymity.GroupResult, k: int) -> str:
    """The same reason, short enough for a table cell."""
    if result.suppressed == anonymity.SUPPRESSED_COMPLEMENTARY:
        return _("hidden: protects a smaller group")
    return _("hidden: under %(k)s answers") % {"k": k}


@dataclass(frozen=True)
class Cell:
    """One figure as shown: either numbers, or suppressed with its reason."""

    mean: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    reason: str = ""  # why it is hidden, as a sentence
    label: str = ""  # why it is hidden, short
    kind: str = ""  # anonymity.SUPPRESSED_TOO_FEW or SUPPRESSED_COMPLEMENTARY when hidden

    @property
    def shown(self) -> bool:
        return self.mean is not None

    @property
    def small_group(self) -> bool:
        """DOMAIN.md: groups of 5-9 are labelled 'small group'."""
        return self.n is not None and self.n < 10

    def as_dict(self) -> dict | None:
        if not self.shown:
            return None
        return {"mean": self.mean, "ci_low": self.ci_low, "ci_high": self.ci_high, "n": self.n}


def cell(result: anonymity.GroupResult, k: int) -> Cell:
    if not result.shown or result.summary is None:
        return Cell(
            reason=suppression_reason(result, k),
            label=suppression_label(result, k),
            kind=result.suppressed or anonymity.SUPPRESSED_TOO_FEW,
        )
    summary = result.summary
    return Cell(summary.mean, summary.ci_low, summary.ci_high, summary.n)


@dataclass(frozen=True)
class ChangeRow:
    measure: str
    label: str
    before: Cell
    after: Cell
    change: scoring.Change | None

    @property
    def change_text(self) -> str:
        """'+3 (−6 to +12)': signed whole points, as people read a change."""
        if self.change is None:
            return "—"

        return _("%(delta)s (%(low)s to %(high)s)") % {
            "delta": signed(self.change.delta),
            "low": signed(self.change.ci_low),
            "high": signed(self.change.ci_high),
        }

    @property
    def verdict_text(self) -> str:
        if self.change is None:
            return _("not enough answers to compare")
        return {
            scoring.CLEAR_IMPROVEMENT: _("clear improvement"),
            scoring.CLEAR_DECLINE: _("clear decline"),
            scoring.NO_CLEAR_CHANGE: _("no clear change"),
        }[self.change.verdict]


@dataclass(frozen=True)
class Selection:
    """What a viewer asked to see: a group and the closed rounds compared (ids, unchecked).

    The view parses it from the query string; `build` checks it against what the viewer
    may see and falls back to the defaults (their unit, else the programme; the first and
    the latest closed round). The same selection drives the dashboard, the export and the
    report.
    """

    unit_id: int | None = None
    before_id: int | None = None
    after_id: int | None = None
    heat_id: int | None = None

    @classmethod
    def from_query(cls, params) -> Selection:
        return cls(*(parse_id(params.get(name)) for name in ("unit", "before", "after", "heat")))


@dataclass(frozen=True)
class Dashboard:
    """Everything the results page shows for one viewer and selection, computed once."""

    programme: object
    rounds: tuple[Round, ...]
    unit_choices: tuple[tuple[str, str], ...]
    unit_id: int | None
    unit_label: str
    before: Round | None
    after: Round | None
    heat_round: Round | None
    bars: dict = field(default_factory=dict)
    bar_rows: tuple = ()
    changes: tuple[ChangeRow, ...] = ()
    heatmap: tuple = ()
    rates: tuple = ()
    trend: dict = field(default_factory=dict)
    trend_rows: tuple = ()
    events: tuple = ()
    summary_text: str = ""
    held_back: tuple[str, ...] = ()  # answers waiting for k, per round
    hidden_note: str = ""  # why the chosen group's figures are hidden, when they all are
    trend_note: str = ""  # said instead of the trend chart when it would not read right

    @property
    def measures(self) -> list[tuple[str, str]]:
        return [(m, str(MEASURE_LABELS[m])) for m in MEASURE_ORDER]

    @property
    def k(self) -> int:
        return self.programme.min_group_size


def closed_rounds(programme) -> list[Round]:
    """Dashboards, exports and the report show closed rounds only."""
    return list(
        programme.rounds.filter(state=Round.State.CLOSED)
        .select_related("seminar")
        .order_by("created_at", "pk")
    )


def round_day(round: Round) -> datetime.date:
    """The day a round stands for: its seminar's date, else the day it closed."""
    if round.seminar_id and round.seminar.date:
        return round.seminar.date
    return timezone.localdate(round.closes_at or round.created_at)


def round_labels(rounds: list[Round]) -> list[str]:
    """One category label per round: its title and date in the page's language, unique."""
    labels: list[str] = []
    for r in rounds:
        label = f"{r.title} ({date_format(round_day(r), 'SHORT_DATE_FORMAT')})"
        while label in labels:  # a category axis would merge equal labels
            label += "\u200b"
        labels.append(label)
    return labels


def event_positions(rounds: list[Round], events: list[Event]) -> list[float]:
    """Where each event sits on the rounds axis: on its round's day, or between two rounds."""
    days = [round_day(r) for r in rounds]
    positions = []
    for event in events:
        if event.date in days:
            positions.append(float(days.index(event.date)))
            continue
        before = sum(1 for day in days if day < event.date)
        positions.append(before - 0.5)
    return positions


def held_back_text(result: RoundResults, k: int) -> str:
    """What a round holds back, in words: answers after a reopen wait until k have arrived."""
    if not result.held_back:
        return ""
    if not result.round.published:
        return ngettext(
            "“%(round)s” has %(count)s answer, fewer than %(k)s: its results stay hidden.",
            "“%(round)s” has %(count)s answers, fewer than %(k)s: its results stay hidden.",
            result.held_back,
        ) % {"round": result.round.title, "count": result.held_back, "k": k}
    return ngettext(
        "“%(round)s”: %(count)s answer came after the round was reopened. It is held back "
        "until at least %(k)s have arrived, so that nobody’s answer can be worked out.",
        "“%(round)s”: %(count)s answers came after the round was reopened. They are held "
        "back until at least %(k)s have arrived, so that nobody’s answers can be worked out.",
        result.held_back,
    ) % {"round": result.round.title, "count": result.held_back, "k": k}


def _pick(rounds: list[Round], chosen_id: int | None, default: Round | None) -> Round | None:
    chosen = next((r for r in rounds if r.pk == chosen_id), None)
    return chosen or default


def build(access: ProgrammeAccess, selection: Selection, *, language: str) -> Dashboard:
    """The dashboard for this viewer and selection, frozen: the same numbers for the page,
    the export and the report."""
    programme = access.programme
    tree = programme.unit_tree()
    rounds = closed_rounds(programme)
    units = access.visible_nodes(tree)
    choices = [("", programme.organisation)] if access.sees_whole_programme else []
    choices += [(str(node.id), "\u2003" * node.depth + node.name) for node in units]
    default_unit = access.unit.pk if access.unit is not None else None
    seen = {node.id for node in units}  # this programme's units the viewer may see
    unit_id = selection.unit_id if selection.unit_id in seen else default_unit
    base = Dashboard(
        programme=programme,
        rounds=tuple(rounds),
        unit_choices=tuple(choices),
        unit_id=unit_id,
        unit_label=tree.path(unit_id) if unit_id else programme.organisation,
        before=_pick(rounds, selection.before_id, rounds[0] if len(rounds) > 1 else None),
        after=_pick(rounds, selection.after_id, rounds[-1] if rounds else None),
        heat_round=_pick(rounds, selection.heat_id, rounds[-1] if rounds else None),
    )
    if not rounds:
        return base
    results = round_results(programme, rounds)
    held_back = (held_back_text(results[r.pk], base.k) for r in rounds)
    rates = response_rates_for(programme, rounds, tree=tree)
    return replace(
        base,
        held_back=tuple(text for text in held_back if text),
        **_bars(base, results, language),
        **_changes(base, results),
        heatmap=_heatmap(base, results, units, access),
        rates=_rates(base, rates, access, results),
        **_trend(base, results, language),
    )


def _bars(dashboard: Dashboard, results: dict[int, RoundResults], language: str) -> dict:
    shown_rounds = [r for r in (dashboard.before, dashboard.after) if r is not None]
    if dashboard.before and dashboard.after and dashboard.before.pk == dashboard.after.pk:
        shown_rounds = [dashboard.after]
    labels = [str(MEASURE_LABELS[m]) for m in MEASURE_ORDER]
    series, rows = [], []
    for r in shown_rounds:
        cells = [
            cell(results[r.pk].figure(m, dashboard.unit_id), dashboard.k) for m in MEASURE_ORDER
        ]
        series.append({"name": r.title, "values": [c.as_dict() for c in cells]})
        rows.append((r, cells))
    bar_rows = tuple((label, [cells[i] for _r, cells in rows]) for i, label in enumerate(labels))
    if any(c.shown for _r, cells in rows for c in cells):
        bars = charts.before_after(labels, series, language=language)
        return {"bar_rows": bar_rows, "bars": bars}
    # Nothing to draw: the chart gives way to a sentence that says why.
    index = rows[-1][1][0]
    note = _("No figures can be shown for %(group)s in “%(round)s”. %(reason)s") % {
        "group": dashboard.unit_label,
        "round": rows[-1][0].title,
        "reason": index.reason,
    }
    return {"bar_rows": bar_rows, "hidden_note": note}


def _threshold(programme, unit_id, before: Cell, after: Cell) -> int:
    large = (before.n or 0) >= LARGE_GROUP and (after.n or 0) >= LARGE_GROUP
    if unit_id is None and large:
        return programme.programme_change_threshold
    return programme.team_change_threshold


def _changes(dashboard: Dashboard, results: dict[int, RoundResults]) -> dict:
    if not dashboard.before or not dashboard.after or dashboard.before == dashboard.after:
        return {}
    changes = []
    for measure in MEASURE_ORDER:
        before_result = results[dashboard.before.pk].figure(measure, dashboard.unit_id)
        after_result = results[dashboard.after.pk].figure(measure, dashboard.unit_id)
        before, after = cell(before_result, dashboard.k), cell(after_result, dashboard.k)
        change = None
        if before.shown and after.shown:
            threshold = _threshold(dashboard.programme, dashboard.unit_id, before, after)
            change = scoring.compare(
                before_result.summary, after_result.summary, threshold=threshold
            )
        changes.append(ChangeRow(measure, str(MEASURE_LABELS[measure]), before, after, change))
    index = changes[0]
    if index.change is None:
        return {"changes": tuple(changes)}
    summary = _(
        "%(measure)s for %(unit)s: %(before)s (n=%(n1)s) in “%(r1)s” and %(after)s "
        "(n=%(n2)s) in “%(r2)s”; change %(delta)s points (95 %% CI %(low)s to "
        "%(high)s): %(verdict)s."
    ) % {
        "measure": index.label,
        "unit": dashboard.unit_label,
        "before": f"{index.before.mean:.0f}",
        "n1": index.before.n,
        "r1": dashboard.before.title,
        "after": f"{index.after.mean:.0f}",
        "n2": index.after.n,
        "r2": dashboard.after.title,
        "delta": signed(index.change.delta),
        "low": signed(index.change.ci_low),
        "high": signed(index.change.ci_high),
        "verdict": index.verdict_text,
    }
    return {"changes": tuple(changes), "summary_text": summary}


def _heatmap(dashboard, results, units, access: ProgrammeAccess) -> tuple:
    if dashboard.heat_round is None:
        return ()
    result = results[dashboard.heat_round.pk]
    rows = []
    if access.sees(None):
        rows.append((dashboard.programme.organisation, -1, None))
    rows += [(node.name, node.depth, node.id) for node in units]
    return tuple(
        (
            name,
            depth,
            [
                (label, cell(result.figure(m, unit_id), dashboard.k))
                for m, label in dashboard.measures
            ],
        )
        for name, depth, unit_id in rows
    )


def visible_rate(
    rate: ResponseRate, group: anonymity.GroupResult, access: ProgrammeAccess
) -> ResponseRate | None:
    """A group's response rate, or None where the viewer may not see it (its figures are
    hidden): only the workspace's facilitators see the rates of hidden groups."""
    if access.is_consultant or group.shown:
        return rate
    return None


def _rates(dashboard, rates: dict[int, list[ResponseRate]], access, results) -> tuple:
    """Response rate per unit and round; managers see it only where the group is shown."""
    table = []
    for row_index, row in enumerate(rates[dashboard.rounds[0].pk]):
        if not access.sees(row.unit_id):
            continue
        per_round = []
        for r in dashboard.rounds:
            rate = rates[r.pk][row_index]
            group = results[r.pk].figure(scoring.INDEX, rate.unit_id)
            per_round.append((r, visible_rate(rate, group, access)))
        table.append((row.name, row.depth, per_round))
    return tuple(table)


def _trend(dashboard: Dashboard, results, language: str) -> dict:
    """Rounds are categories on the axis; events sit on or between the rounds they fall at."""
    series, rows = [], []
    for measure in TREND_MEASURES:
        cells = [
            cell(results[r.pk].figure(measure, dashboard.unit_id), dashboard.k)
            for r in dashboard.rounds
        ]
        series.append({"name": str(MEASURE_LABELS[measure]), "values": [c.mean for c in cells]})
        rows.append((str(MEASURE_LABELS[measure]), cells))
    trend_rows = tuple(
        (label, list(zip(dashboard.rounds, cells, strict=True))) for label, cells in rows
    )
    events = list(Event.objects.filter(programme=dashboard.programme))
    visible_units = {int(value) for value, _label in dashboard.unit_choices if value}
    events = tuple(e for e in events if e.unit_id is None or e.unit_id in visible_units)
    rounds_with_figures = [
        index
        for index in range(len(dashboard.rounds))
        if any(cells[index].shown for _label, cells in rows)
    ]
    found = {"trend_rows": trend_rows, "events": events}
    if len(rounds_with_figures) < 2:
        found["trend_note"] = _(
            "A trend needs figures from two rounds or more; the table below has what there is."
        )
        return found
    rounds = list(dashboard.rounds)
    found["trend"] = charts.trend(
        round_labels(rounds),
        series,
        [
            {"position": position, "text": e.text}
            for e, position in zip(events, event_positions(rounds, list(events)), strict=True)
        ],
        language=language,
    )
    return found
