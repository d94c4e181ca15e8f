"""The projector's live room result, changing only in steps of k responses (QUALITY N-3).

The figure appears once k people have answered and is then renewed only when k more have
answered (or when the round closes), so nobody can read one person's answer from the
difference between two screens.
"""

from __future__ import annotations

from dataclasses import dataclass

from surveys import scoring
from surveys.models import Response, Round
from surveys.results import own_statistics

LIVE_MEASURES = (*scoring.ELEMENTS, scoring.INDEX)


@dataclass(frozen=True)
class LiveFigure:
    measure: str
    n: int
    mean: float
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class LiveState:
    answered: int
    shown_n: int  # respondents behind the shown figures; 0 when none are shown
    figures: tuple[LiveFigure, ...]
    closed: bool

    @property
    def version(self) -> str:
        """Changes whenever anything on the projector would change."""
        return f"{self.answered}-{self.shown_n}-{int(self.closed)}"


def _room_figures(round: Round) -> dict:
    statistics = own_statistics([round.pk])
    figures = {}
    for measure in LIVE_MEASURES:
        pooled = scoring.Sufficient()
        for part in statistics.get((round.pk, measure), {}).values():
            pooled = pooled + part
        summary = pooled.summary()
        if summary is not None and summary.n >= round.programme.min_group_size:
            figures[measure] = {
                "n": summary.n,
                "mean": summary.mean,
                "ci_low": summary.ci_low,
                "ci_high": summary.ci_high,
            }
    return figures


def live_state(round: Round) -> LiveState:
    """The projector's state now, renewing the shown figures when k more have answered."""
    answered = Response.objects.filter(round=round).count()
    k = round.programme.min_group_size
    closed = round.state == Round.State.CLOSED
    # At the first close the last answers join (fewer than k: SECURITY.md accepts it for the
    # whole room); after a reopen only full steps of k, as for the dashboard's held-back ones.
    final = closed and round.wave == 0 and answered > round.live_n
    due = answered >= k and (answered >= round.live_n + k or final)
    if due:
        figures = _room_figures(round)
        # Only one poller renews a step: the update matches the old count.
        renewed = Round.objects.filter(pk=round.pk, live_n=round.live_n).update(
            live_n=answered, live_figures=figures
        )
        if renewed:
            round.live_n, round.live_figures = answered, figures
        else:
            round.refresh_from_db(fields=["live_n", "live_figures"])
    shown = tuple(
        LiveFigure(measure, data["n"], data["mean"], data["ci_low"], data["ci_high"])
        for measure in LIVE_MEASURES
        if (data := round.live_figures.get(measure))
    )
    return LiveState(answered, round.live_n if shown else 0, shown, closed)
