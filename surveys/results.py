"""Group results: SQL aggregates per unit, then anonymity rules over the whole tree.

`round_results` is the one function the dashboard, the exports and the report call. It
reads every requested round in a constant number of queries (one for the responses, one
for the units), whatever the number of units, items or rounds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum

from programmes.models import Participant, Programme
from programmes.tree import UnitTree
from surveys import anonymity, scoring
from surveys.models import Response, Round

RESPONSE_RATE_FLAG = 0.6  # DOMAIN.md: flag response rates under 60 %


def _aggregates() -> dict:
    aggregates = {"responses": Count("pk")}
    for m in scoring.MEASURES:
        aggregates[f"{m}__n"] = Count(m)
        aggregates[f"{m}__sum"] = Sum(m)
        aggregates[f"{m}__sq"] = Sum(F(m) * F(m))
        aggregates[f"{m}__high"] = Count("pk", filter=Q(**{f"{m}__gte": scoring.HIGH_SCORE}))
        aggregates[f"{m}__low"] = Count("pk", filter=Q(**{f"{m}__lte": scoring.LOW_SCORE}))
    return aggregates


@dataclass(frozen=True)
class WaveRow:
    """The SQL aggregates of the respondents of one round, wave and unit."""

    round_id: int
    wave: int
    unit_id: int
    responses: int
    stats: dict[str, scoring.Sufficient]


def wave_rows(round_ids: Iterable[int]) -> list[WaveRow]:
    """Sums per (round, wave, unit) for every measure, in one query for any number of rounds."""
    rows = (
        Response.objects.filter(round_id__in=list(round_ids))
        .order_by()
        .values("round_id", "wave", "unit_id")
        .annotate(**_aggregates())
    )
    return [
        WaveRow(
            row["round_id"],
            row["wave"],
            row["unit_id"],
            row["responses"],
            {
                m: scoring.Sufficient(
                    n=row[f"{m}__n"],
                    total=float(row[f"{m}__sum"] or 0),
                    total_sq=float(row[f"{m}__sq"] or 0),
                    high=row[f"{m}__high"],
                    low=row[f"{m}__low"],
                )
                for m in scoring.MEASURES
                if row[f"{m}__n"]
            },
        )
        for row in rows
    ]


def own_statistics(
    round_ids: Iterable[int],
) -> dict[tuple[int, str], dict[int, scoring.Sufficient]]:
    """(round id, measure) to {unit id: statistics of the respondents who chose that unit}."""
    result: dict[tuple[int, str], dict[int, scoring.Sufficient]] = {}
    for row in wave_rows(round_ids):
        for m, stats in row.stats.items():
            units = result.setdefault((row.round_id, m), {})
            units[row.unit_id] = units.get(row.unit_id, scoring.Sufficient()) + stats
    return result


@dataclass(frozen=True)
class Batch:
    """Answers published together by one close: their waves, and the tree and k of then."""

    first: int
    last: int
    k: int
    tree: UnitTree

    @classmethod
    def of(cls, data: dict) -> Batch:
        rows = [(unit_id, parent_id, "") for unit_id, parent_id in data["tree"]]
        return cls(data["first"], data["last"], data["k"], UnitTree.from_rows(rows))

    def holds(self, wave: int) -> bool:
        return self.first <= wave <= self.last


def batches(round: Round) -> list[Batch]:
    return [Batch.of(data) for data in round.published]


@dataclass(frozen=True)
class RoundResults:
    """Every group's figure for one round, suppression already applied programme-wide.

    Only published answers count (see `round_results`); `held_back` says how many arrived
    after the last publication and wait for k.
    """

    round: Round
    groups: dict[str, dict[int | None, anonymity.GroupResult]]
    held_back: int = 0

    def figure(self, measure: str, unit_id: int | None = None) -> anonymity.GroupResult:
        """A group's figure; a unit the round never knew (made after it closed) has none."""
        found = self.groups[measure].get(unit_id)
        if found is None:
            return anonymity.GroupResult(unit_id, 0, None, anonymity.SUPPRESSED_TOO_FEW)
        return found


def round_results(programme: Programme, rounds: Iterable[Round]) -> dict[int, RoundResults]:
    """Results per round and measure for the whole programme (callers then filter).

    Figures over time (DESIGN.md): a round's results are computed from what its closes
    published, each batch on the unit tree and with the k of the close that published it,
    and combined so that no two outputs, saved before and after a reopen, a move of a unit or
    a change of k, can be subtracted to reveal fewer than k people (`anonymity.combine`).
    Answers after a reopen are held back until k of them have arrived.
    """
    rounds = list(rounds)
    by_round: dict[int, list[WaveRow]] = {r.pk: [] for r in rounds}
    for row in wave_rows(by_round):
        by_round[row.round_id].append(row)
    results = {}
    for r in rounds:
        published = batches(r)
        mine = by_round[r.pk]
        counted = sum(row.responses for row in mine if any(b.holds(row.wave) for b in published))
        parts: dict[str, list] = {m: [] for m in scoring.MEASURES}
        for batch in published:
            own: dict[str, dict[int, scoring.Sufficient]] = {m: {} for m in scoring.MEASURES}
            for row in mine:
                if not batch.holds(row.wave):
                    continue
                for m, stats in row.stats.items():
                    own[m][row.unit_id] = own[m].get(row.unit_id, scoring.Sufficient()) + stats
            for m in scoring.MEASURES:
                parts[m].append(
                    (
                        anonymity.suppress(batch.tree, own[m], batch.k),
                        anonymity.pool(batch.tree, own[m]),
                    )
                )
        k = min([programme.min_group_size, *(b.k for b in published)])
        results[r.pk] = RoundResults(
            r,
            {m: anonymity.combine(parts[m], k) for m in scoring.MEASURES},
            held_back=sum(row.responses for row in mine) - counted,
        )
    return results


@dataclass(frozen=True)
class ResponseRate:
    """How many answered out of how many were invited, for one group and round.

    Answers by room code are not capped by the headcount, so a round can have more answers
    than the entered headcount or the listed participants. The honest reading is that the
    headcount is out of date: the count is then out of the answers themselves (never above
    100 %), and `over_invited` asks for the headcount to be checked. Every page, export and
    the projector read the count through this class.
    """

    unit_id: int | None  # None: the whole programme
    name: str
    depth: int
    invited: int
    answered: int

    @property
    def out_of(self) -> int:
        """The denominator shown: the invited headcount, or the answers when they exceed it."""
        return max(self.invited, self.answered)

    @property
    def over_invited(self) -> bool:
        """More answers than invited: the headcount needs checking (when there is one)."""
        return 0 < self.invited < self.answered

    @property
    def rate(self) -> float | None:
        """Answered out of invited, at most 1; None when nobody was invited or counted."""
        return self.answered / self.out_of if self.invited else None

    @property
    def percent(self) -> int | None:
        return None if self.rate is None else round(self.rate * 100)

    @property
    def flagged(self) -> bool:
        return self.rate is not None and self.rate < RESPONSE_RATE_FLAG


def response_rates(round: Round, *, tree: UnitTree | None = None) -> list[ResponseRate]:
    """Invited and answered per unit subtree for one round, the programme first."""
    return response_rates_for(round.programme, [round], tree=tree)[round.pk]


def response_rates_for(
    programme: Programme, rounds: Iterable[Round], *, tree: UnitTree | None = None
) -> dict[int, list[ResponseRate]]:
    """Invited and answered per unit subtree and round, in three queries for any number.

    Invited is the unit's entered headcount where there is one, else its listed
    participants; both are summed over the subtree.
    """
    rounds = list(rounds)
    tree = tree or programme.unit_tree()
    headcounts = dict(
        programme.units.filter(headcount__isnull=False).values_list("pk", "headcount")
    )
    listed = dict(
        Participant.objects.filter(programme=programme)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )
    counts: dict[int, list[tuple[int, int, int]]] = {r.pk: [] for r in rounds}
    rows = (
        Response.objects.filter(round__in=rounds)
        .order_by()
        .values("round_id", "wave", "unit_id")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["round_id"]].append((row["wave"], row["unit_id"], row["n"]))
    own_invited = {node.id: headcounts.get(node.id, listed.get(node.id, 0)) for node in tree.walk()}
    invited = anonymity.group_sizes(tree, own_invited)
    result = {}
    for r in rounds:
        answered = _answered(r, counts[r.pk], tree)
        rates = [ResponseRate(None, programme.organisation, -1, invited[None], answered[None])]
        for node in tree.walk():
            rates.append(
                ResponseRate(node.id, node.name, node.depth, invited[node.id], answered[node.id])
            )
        result[r.pk] = rates
    return result


def _answered(
    round: Round, counts: list[tuple[int, int, int]], tree: UnitTree
) -> dict[int | None, int]:
    """Answers per group: all of them while the round is open; once it has closed, only the
    published ones, each batch on its own tree, as the figures count them."""
    if round.state != Round.State.CLOSED:
        own: dict[int, int] = {}
        for _wave, unit_id, n in counts:
            own[unit_id] = own.get(unit_id, 0) + n
        return _subtree_sums(tree, own, tree.nodes)
    answered: dict[int | None, int] = {None: 0, **dict.fromkeys(tree.nodes, 0)}
    for batch in batches(round):
        own = {}
        for wave, unit_id, n in counts:
            if batch.holds(wave):
                own[unit_id] = own.get(unit_id, 0) + n
        for key, n in _subtree_sums(batch.tree, own, tree.nodes).items():
            answered[key] += n
    return answered


def _subtree_sums(tree: UnitTree, own: dict[int, int], wanted) -> dict[int | None, int]:
    """Respondents in each wanted unit's subtree of this tree (0 for units it lacks)."""
    sizes = anonymity.group_sizes(tree, own)
    return {None: sizes[None], **{unit_id: sizes.get(unit_id, 0) for unit_id in wanted}}
