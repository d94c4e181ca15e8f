"""The seminars' part of the manager's report, as frozen data (programmes/report.py reads it
through `outputs` alone).

What goes in follows DESIGN.md's audience table for managers: the top improvement areas by
votes, the good examples and wins the facilitator marked for the report, evaluation figures
from k answers, and the facilitator's themes from free text. Never a comment, never a post
waiting for review or hidden, never who wrote what (posts carry no writer to begin with).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from seminars import boards, evaluations
from seminars.models import Board, Evaluation, Seminar

TOP_AREAS = 5


@dataclass(frozen=True)
class RankedArea:
    title: str
    dots: int
    rank: int
    tied: bool
    dimension: str


@dataclass(frozen=True)
class EvaluationFigure:
    question: str
    mean: float | None  # None below k answers
    n: int


@dataclass(frozen=True)
class SeminarPart:
    number: int
    title: str
    date: datetime.date | None
    improvement_areas: tuple[RankedArea, ...]
    good_examples: tuple[str, ...]
    wins: tuple[str, ...]
    evaluation: tuple[EvaluationFigure, ...]
    answered: int
    themes: tuple[str, ...]


@dataclass(frozen=True)
class SeminarOutputs:
    seminars: tuple[SeminarPart, ...]


def outputs(programme, *, k: int) -> SeminarOutputs:
    """Each seminar's outputs for the report, in seminar order."""
    parts = []
    for seminar in Seminar.objects.filter(programme=programme).order_by("number"):
        areas, examples, wins = [], [], []
        for board in Board.objects.filter(activity__seminar=seminar).select_related("activity"):
            view = boards.for_documentation(board, k=k)
            if board.kind == Board.Kind.IMPROVEMENT_AREAS:
                areas += [
                    RankedArea(item.title, item.dots or 0, item.rank, item.tied, item.dimension)
                    for item in view.ranking[:TOP_AREAS]
                    if item.dots
                ]
            marked = [item.title for item in view.items if item.in_report]
            if board.kind == Board.Kind.GOOD_EXAMPLES:
                examples += marked
            elif board.kind == Board.Kind.WINS:
                wins += marked
        figures, themes, answered = [], [], 0
        for evaluation in Evaluation.objects.filter(activity__seminar=seminar).select_related(
            "activity__seminar__programme"
        ):
            found = evaluations.results(evaluation, k=k, comments=False)
            answered += found.answered
            figures += [
                EvaluationFigure(str(scale.question.text), scale.mean, scale.n)
                for scale in found.scales
            ]
            if evaluation.themes:
                themes.append(evaluation.themes)
        parts.append(
            SeminarPart(
                seminar.number,
                seminar.title,
                seminar.date,
                tuple(areas),
                tuple(examples),
                tuple(wins),
                tuple(figures),
                answered,
                tuple(themes),
            )
        )
    return SeminarOutputs(tuple(parts))
