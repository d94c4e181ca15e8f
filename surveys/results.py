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
    aggregates = {}
    for m in scoring.MEASURES:
        aggregates[f"{m}__n"] = Count(m)
        aggregates[f"{m}__sum"] = Sum(m)
        aggregates[f"{m}__sq"] = Sum(F(m) * F(m))
        aggregates[f"{m}__high"] = Count("pk", filter=Q(**{f"{m}__gte": scoring.HIGH_SCORE}))
        aggregates[f"{m}__low"] = Count("pk", filter=Q(**{f"{m}__lte": scoring.LOW_SCORE}))
    return aggregates


def own_statistics(
    round_ids: Iterable[int],
) -> dict[tuple[int, str], dict[int, scoring.Sufficient]]:
    """(round id, measure) to {unit id: statistics of the respondents who chose that unit}."""
    rows = (
        Response.objects.filter(round_id__in=list(round_ids))
        .order_by()
        .values("round_id", "unit_id")
        .annotate(**_aggregates())
    )
    result: dict[tuple[int, str], dict[int, scoring.Sufficient]] = {}
    for row in rows:
        for m in scoring.MEASURES:
            n = row[f"{m}__n"]
            if not n:
                continue
            result.setdefault((row["round_id"], m), {})[row["unit_id"]] = scoring.Sufficient(
                n=n,
                total=float(row[f"{m}__sum"]),
                total_sq=float(row[f"{m}__sq"]),
                high=row[f"{m}__high"],
                low=row[f"{m}__low"],
            )
    return result


@dataclass(frozen=True)
class RoundResults:
    """Every group's figure for one round, suppression already applied programme-wide."""

    round: Round
    groups: dict[str, dict[int | None, anonymity.GroupResult]]

    def figure(self, measure: str, unit_id: int | None = None) -> anonymity.GroupResult:
        return self.groups[measure][unit_id]


def round_results(
    programme: Programme, rounds: Iterable[Round], *, tree: UnitTree | None = None
) -> dict[int, RoundResults]:
    """Results per round and measure for the whole programme (callers then filter)."""
    rounds = list(rounds)
    tree = tree or programme.unit_tree()
    statistics = own_statistics(r.pk for r in rounds)
    return {
        r.pk: RoundResults(
            r,
            {
                m: anonymity.suppress(tree, statistics.get((r.pk, m), {}), programme.min_group_size)
                for m in scoring.MEASURES
            },
        )
        for r in rounds
    }


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
        """More answers than invited: the headcount needs checking."""
        return self.answered > self.invited

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
    answered: dict[int, dict[int, int]] = {r.pk: {} for r in rounds}
    rows = (
        Response.objects.filter(round__in=rounds)
        .order_by()
        .values("round_id", "unit_id")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        answered[row["round_id"]][row["unit_id"]] = row["n"]
    own_invited = {node.id: headcounts.get(node.id, listed.get(node.id, 0)) for node in tree.walk()}
    subtrees = {node.id: tree.subtree_ids(node.id) for node in tree.walk()}
    result = {}
    for r in rounds:
        counts = answered[r.pk]
        rates = [
            ResponseRate(
                None, programme.organisation, -1, sum(own_invited.values()), sum(counts.values())
            )
        ]
        for node in tree.walk():
            rates.append(
                ResponseRate(
                    node.id,
                    node.name,
                    node.depth,
                    sum(own_invited[i] for i in subtrees[node.id]),
                    sum(counts.get(i, 0) for i in subtrees[node.id]),
                )
            )
        result[r.pk] = rates
    return result
