"""Programme templates: the seminars and agendas a new programme starts from.

Texts are translated into the programme's language when the programme is created, so a
facilitator edits ordinary text afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from seminars.models import Activity, Board

K = Activity.Kind
B = Board.Kind


@dataclass(frozen=True)
class ActivityBlueprint:
    title: str | Promise
    minutes: int
    kind: str
    board: str = ""  # the kind of board, for a board row
    trial: bool = False  # a discussion row whose notes are a trial period's tasks
    headings: tuple = ()  # a discussion row's note headings, when not the default ones


@dataclass(frozen=True)
class SeminarBlueprint:
    title: str | Promise
    goals: str | Promise
    activities: tuple[ActivityBlueprint, ...]


A = ActivityBlueprint

FOUR_SEMINARS = (
    SeminarBlueprint(
        _("Insight into your social capital"),
        _(
            "A shared vocabulary for trust, fairness and collaboration; good examples "
            "from everyday work; the baseline temperature survey."
        ),
        (
            A(_("Welcome and purpose of the programme"), 20, K.TALK),
            A(_("What is social capital?"), 40, K.TALK),
            A(_("Good examples from our everyday work"), 40, K.BOARD, B.GOOD_EXAMPLES),
            A(_("Break"), 15, K.BREAK),
            A(_("Temperature survey: trust, fairness and collaboration"), 20, K.SURVEY),
            A(_("Our results on the screen: what do we see?"), 45, K.DISCUSSION),
            A(_("Seminar evaluation"), 10, K.EVALUATION),
        ),
    ),
    SeminarBlueprint(
        _("Action creates transformation"),
        _(
            "Choose the improvement areas that matter most, make team action plans, and "
            "let everyone write a personal action plan."
        ),
        (
            A(_("Since last time"), 15, K.TALK),
            A(_("Improvement areas: post and vote"), 45, K.BOARD, B.IMPROVEMENT_AREAS),
            A(_("Break"), 15, K.BREAK),
            A(_("Team action plans"), 60, K.PLANNING),
            A(_("My personal action plan"), 20, K.PERSONAL_PLAN),
            A(_("Seminar evaluation"), 10, K.EVALUATION),
        ),
    ),
    SeminarBlueprint(
        _("Positive reinforcement"),
        _(
            "Follow up on the team plans, celebrate what went well, repeat the survey and "
            "sharpen the focus areas."
        ),
        (
            A(_("Follow-up on team action plans"), 45, K.FOLLOW_UP),
            A(_("Wins worth celebrating"), 30, K.BOARD, B.WINS),
            A(_("Break"), 15, K.BREAK),
            A(_("Repeat temperature survey"), 20, K.SURVEY),
            A(_("Before and after: what has changed?"), 40, K.DISCUSSION),
            A(_("Seminar evaluation"), 10, K.EVALUATION),
        ),
    ),
    SeminarBlueprint(
        _("My contribution"),
        _(
            "Reflect on the personal plans, give colleagues feedback, answer the final "
            "survey and agree how the work goes on."
        ),
        (
            A(_("Reflection on my personal action plan"), 30, K.REFLECTION),
            A(_("Feedback and sparring with a colleague"), 45, K.SPARRING),
            A(_("Break"), 15, K.BREAK),
            A(_("Final temperature survey"), 20, K.SURVEY),
            A(_("How do we keep it going?"), 40, K.DISCUSSION),
            A(_("Seminar evaluation"), 10, K.EVALUATION),
        ),
    ),
)

THREE_WORKSHOPS = (
    SeminarBlueprint(
        _("Workshop 1: Where do we stand?"),
        _("Baseline survey, good examples and the first experiments to try before next time."),
        (
            A(_("Welcome and purpose of the programme"), 20, K.TALK),
            A(_("Temperature survey: trust, fairness and collaboration"), 20, K.SURVEY),
            A(_("Good examples from our everyday work"), 40, K.BOARD, B.GOOD_EXAMPLES),
            A(_("Experiments for the trial period"), 45, K.DISCUSSION, trial=True),
            A(_("Seminar evaluation"), 10, K.EVALUATION),
        ),
    ),
    SeminarBlueprint(
        _("Workshop 2: What did we learn?"),
        _("Follow up on the trial period, adjust the action plans and plan the next trial."),
        (
            A(_("Experiences from the trial period"), 45, K.DISCUSSION),
            A(_("Improvement areas: post and vote"), 40, K.BOARD, B.IMPROVEMENT_AREAS),
            A(_("Team action plans"), 50, K.PLANNING),
            A(_("Experiments for the next trial period"), 30, K.DISCUSSION, trial=True),
            A(_("Seminar evaluation"), 10, K.EVALUATION),
        ),
    ),
    SeminarBlueprint(
        _("Workshop 3: Making it stick"),
        _("Repeat survey, what has changed, and how the team keeps the new habits."),
        (
            A(_("Repeat temperature survey"), 20, K.SURVEY),
            A(_("Before and after: what has changed?"), 40, K.DISCUSSION),
            A(_("How do we keep it going?"), 40, K.PLANNING),
            A(_("Seminar evaluation"), 10, K.EVALUATION),
        ),
    ),
)

LEADERSHIP_DAY = (
    SeminarBlueprint(
        _("Leadership day: social capital in practice"),
        _(
            "Managers look at their own part in trust, fairness and collaboration and "
            "agree on concrete steps."
        ),
        (
            A(_("What is social capital?"), 45, K.TALK),
            A(_("Temperature survey: trust, fairness and collaboration"), 20, K.SURVEY),
            A(_("Break"), 15, K.BREAK),
            A(_("Dilemmas we meet as leaders: post and vote"), 30, K.BOARD, B.DILEMMAS),
            A(_("Fair processes in practice"), 45, K.DISCUSSION),
            A(_("My leadership action schema"), 30, K.PERSONAL_PLAN),
            A(_("Seminar evaluation"), 10, K.EVALUATION),
        ),
    ),
)

LEADERSHIP_CHAIN = (
    SeminarBlueprint(
        _("Leadership chain day: one picture, feedback across levels, agreements"),
        _(
            "About fifty leaders from every level and area: a shared picture of where we are "
            "now, feedback across the levels, the priorities and dilemmas we share, and "
            "agreements on the next steps."
        ),
        (
            A(_("Welcome and purpose of the day"), 15, K.TALK),
            A(_("Where are we now? What works and what is hard"), 40, K.BOARD, B.NOW_PICTURE),
            A(
                _("Feedback across the levels"),
                50,
                K.DISCUSSION,
                headings=(
                    _("What we see from our level"),
                    _("What we need from the other levels"),
                ),
            ),
            A(_("Break"), 15, K.BREAK),
            A(_("Our priorities: post and vote"), 40, K.BOARD, B.IMPROVEMENT_AREAS),
            A(_("Dilemmas we share: post and vote"), 30, K.BOARD, B.DILEMMAS),
            A(
                _("Agreements on the next steps"),
                40,
                K.DISCUSSION,
                headings=(_("We agree to"), _("Who takes it on"), _("By when")),
            ),
            A(_("Seminar evaluation"), 10, K.EVALUATION),
        ),
    ),
)

# One programme for a region: one unit per municipality. The morning's and the afternoon's
# groups are set up as free groups that mix municipalities, differently each time; the last
# round of groups is one per municipality.
REGIONAL = (
    SeminarBlueprint(
        _("Regional seminar: social capital across our municipalities"),
        _(
            "Leaders and staff from several municipalities learn from each other: good "
            "examples, the challenges we share, and what each municipality takes home."
        ),
        (
            A(_("Welcome and purpose of the day"), 20, K.TALK),
            A(_("What is social capital?"), 30, K.TALK),
            A(
                _("Morning groups across municipalities: good examples"),
                45,
                K.DISCUSSION,
                headings=(_("Good examples we heard"), _("What we could borrow")),
            ),
            A(_("Good examples from our everyday work"), 30, K.BOARD, B.GOOD_EXAMPLES),
            A(_("Lunch"), 45, K.BREAK),
            A(
                _("Afternoon groups, mixed anew: challenges we share"),
                45,
                K.DISCUSSION,
                headings=(_("Challenges we share"), _("What we can do together")),
            ),
            A(_("Improvement areas: post and vote"), 40, K.BOARD, B.IMPROVEMENT_AREAS),
            A(
                _("Each municipality: what we take home"),
                30,
                K.DISCUSSION,
                headings=(_("We take home"), _("Our first step")),
            ),
            A(_("Seminar evaluation"), 10, K.EVALUATION),
        ),
    ),
)

BLUEPRINTS: dict[str, tuple[SeminarBlueprint, ...]] = {
    "four_seminars": FOUR_SEMINARS,
    "three_workshops": THREE_WORKSHOPS,
    "leadership_day": LEADERSHIP_DAY,
    "leadership_chain": LEADERSHIP_CHAIN,
    "regional": REGIONAL,
}
