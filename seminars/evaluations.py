"""Seminar evaluations: the questions a programme asks, and results each audience may see.

The anonymity rules of DOMAIN.md and DESIGN.md's audience table hold here too:

- a figure (the mean of a 1-5 question) is shown from k answers, and while the evaluation is
  open it moves only in whole steps of k answers (it is computed on the first k, 2k, ...
  answers), so two looks at the screen never differ by fewer than k people;
- free-text comments reach the facilitator's screen only once a question has at least
  COMMENTS_FROM comments, in a shuffled order; managers and the documentation get the
  facilitator's themes, never a comment.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db.models import Exists, Max, Min, OuterRef
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from seminars.models import (
    Evaluation,
    EvaluationAnswer,
    EvaluationQuestion,
    EvaluationResponse,
)
from seminars.rooms import Opening, openings_for

COMMENTS_FROM = 10

DEFAULT_QUESTIONS = (
    ("scale", _("How useful was the seminar for you?"), "always"),
    ("text", _("What worked well?"), "always"),
    ("text", _("What should we change?"), "always"),
    ("scale", _("How confident are you that we will act on this?"), "first_last"),
)


def questions_for(programme) -> list[EvaluationQuestion]:
    """The programme's evaluation questions, the standard ones made in its language at first."""
    questions = list(programme.evaluation_questions.all())
    if questions:
        return questions
    with translation.override(programme.language):
        EvaluationQuestion.objects.bulk_create(
            EvaluationQuestion(
                programme=programme, position=n, kind=kind, text=str(text), asked=asked
            )
            for n, (kind, text, asked) in enumerate(DEFAULT_QUESTIONS)
        )
    return list(programme.evaluation_questions.all())


def asked_in(evaluation: Evaluation) -> list[EvaluationQuestion]:
    """The questions this seminar's evaluation asks (some only in the first and last)."""
    seminar = evaluation.activity.seminar
    programme = seminar.programme
    numbers = programme.seminars.aggregate(first=Min("number"), last=Max("number"))
    edge = seminar.number in (numbers["first"], numbers["last"])
    return [
        q for q in questions_for(programme) if q.asked == EvaluationQuestion.Asked.ALWAYS or edge
    ]


@dataclass(frozen=True)
class ScaleResult:
    question: EvaluationQuestion
    n: int  # answers behind the mean; 0 when it is not shown
    mean: float | None


@dataclass(frozen=True)
class TextResult:
    question: EvaluationQuestion
    count: int
    comments: tuple[str, ...] | None  # None below COMMENTS_FROM, or for managers


@dataclass(frozen=True)
class EvaluationResults:
    evaluation: Evaluation
    answered: int
    scales: tuple[ScaleResult, ...]
    texts: tuple[TextResult, ...]


def results(evaluation: Evaluation, *, k: int, comments: bool) -> EvaluationResults:
    """The evaluation's results; `comments` only for the facilitator's own screen."""
    questions = asked_in(evaluation)
    response_ids = list(
        EvaluationResponse.objects.filter(evaluation=evaluation)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    answered = len(response_ids)
    counted = (answered // k) * k if evaluation.is_open else answered
    shown = set(response_ids[:counted]) if counted >= k else set()
    answers = EvaluationAnswer.objects.filter(response__evaluation=evaluation).values_list(
        "response_id", "question_id", "value", "text"
    )
    values: dict[int, list[int]] = {}
    texts: dict[int, list[str]] = {}
    for response_id, question_id, value, text in answers:
        if value is not None and response_id in shown:
            values.setdefault(question_id, []).append(value)
        if text:
            texts.setdefault(question_id, []).append(text)
    scales, free = [], []
    for question in questions:
        if question.kind == EvaluationQuestion.Kind.SCALE:
            found = values.get(question.pk, [])
            if len(found) >= k:
                scales.append(ScaleResult(question, len(found), sum(found) / len(found)))
            else:
                scales.append(ScaleResult(question, 0, None))
        else:
            found = texts.get(question.pk, [])
            shuffled = None
            if comments and len(found) >= COMMENTS_FROM:
                shuffled = tuple(random.sample(found, len(found)))
            free.append(TextResult(question, len(found), shuffled))
    return EvaluationResults(evaluation, answered, tuple(scales), tuple(free))


def any_evaluation_open() -> Exists:
    return Exists(Evaluation.objects.filter(activity__seminar=OuterRef("pk"), is_open=True))


def open_evaluations(seminar) -> list[Opening]:
    """The seminar's evaluations open for answers from phones."""
    evaluations = (
        Evaluation.objects.filter(activity__seminar=seminar, is_open=True)
        .select_related("activity")
        .order_by("activity__position")
    )
    return openings_for("evaluation", evaluations, "evaluation_phone")
