"""A seminar's documentation: what the room produced, as everyone may read it.

DESIGN.md's audience table decides what is in it: visible board posts (a unit named only
with k seats in the room), vote results, group notes (group products, never individual
answers), evaluation figures from k answers and the facilitator's themes (never a comment),
and the facilitator's own summary. The page, the PDF and the share link all read it here.
"""

from __future__ import annotations

from dataclasses import dataclass

from seminars import boards, evaluations, groups
from seminars.models import Board, Evaluation, GroupWork, Seminar


@dataclass(frozen=True)
class GroupWorkDoc:
    work: GroupWork
    notes: tuple[groups.GroupNotes, ...]  # groups that wrote something


@dataclass(frozen=True)
class SeminarDocumentation:
    seminar: Seminar
    activities: tuple
    boards: tuple[boards.BoardView, ...]
    group_works: tuple[GroupWorkDoc, ...]
    evaluations: tuple[evaluations.EvaluationResults, ...]

    @property
    def programme(self):
        return self.seminar.programme


def documentation(seminar: Seminar) -> SeminarDocumentation:
    """The seminar's documentation, in agenda order, under the programme's anonymity rules."""
    k = seminar.programme.min_group_size
    board_views = tuple(
        boards.for_documentation(board, k=k)
        for board in Board.objects.filter(activity__seminar=seminar)
        .select_related("activity")
        .order_by("activity__position")
    )
    works = tuple(
        GroupWorkDoc(work, tuple(n for n in groups.all_notes(work) if not n.empty))
        for work in GroupWork.objects.filter(activity__seminar=seminar)
        .select_related("activity")
        .order_by("activity__position")
    )
    results = tuple(
        evaluations.results(evaluation, k=k, comments=False)
        for evaluation in Evaluation.objects.filter(activity__seminar=seminar)
        .select_related("activity__seminar__programme")
        .order_by("activity__position")
    )
    return SeminarDocumentation(
        seminar,
        tuple(seminar.activities.all()),
        tuple(view for view in board_views if view.items),
        tuple(work for work in works if work.notes),
        tuple(result for result in results if result.answered),
    )
