"""Seminars of a programme and their agendas."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from programmes.models import Programme


class Wall(models.TextChoices):
    ROOM = "room", _("The room code and the survey")
    BOARD = "board", _("A board")
    CHANGE = "change", _("Before and after")
    GROUPS = "groups", _("Group notes")
    PLANS = "plans", _("Team plans")


class Seminar(models.Model):
    """One seminar (or workshop, or day) of a programme, with its place in the sequence."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="seminars")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"), null=True, blank=True)
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    ends_at = models.TimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    goals = models.TextField(_("goals"), max_length=4000, blank=True)
    # The room's join code: phones that type it reach whatever is open in this seminar.
    room_code = models.CharField(max_length=6, blank=True)
    # A read-only display link for the projector, valid while the seminar runs.
    display_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    display_valid_until = models.DateTimeField(null=True, blank=True)
    # What the wall presents: the room (its survey), a board, or the programme's change.
    wall = models.CharField(max_length=10, choices=Wall.choices, default=Wall.ROOM)
    wall_board = models.ForeignKey(
        "Board", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    wall_group_work = models.ForeignKey(
        "GroupWork", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    wall_group = models.ForeignKey(  # one group's notes, large; None: all side by side
        "WorkGroup", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # An agenda row whose app draws the wall itself (team plans), through the room's registry.
    wall_activity = models.ForeignKey(
        "Activity", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    wall_version = models.PositiveIntegerField(default=0)
    # The documentation: the facilitator's own summary, and a share link once released.
    summary = models.TextField(_("the facilitator's summary"), max_length=8000, blank=True)
    documentation_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    documentation_released_at = models.DateTimeField(null=True, blank=True)
    # The share link is a keyed hash of this nonce, so the room page can show it again; the
    # database alone (without the secret key) cannot produce it.
    documentation_nonce = models.CharField(max_length=64, blank=True)
    # Set when the facilitator ends the seminar; it is also over after its last day.
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["programme", "number"]
        verbose_name = _("seminar")
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="seminar_number_unique"),
            models.UniqueConstraint(
                fields=["room_code"],
                condition=~models.Q(room_code=""),
                name="seminar_room_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Session(models.Model):
    """A further sitting of a seminar held more than once (day and night shifts in elder care).

    It has its own date, time, place, room code and display link. What happens in it is the
    seminar's: its boards, group work and evaluations are the same rows, so the sittings'
    posts, votes and answers are pooled, and the seminar's own date and place are its first
    sitting.
    """

    seminar = models.ForeignKey(Seminar, on_delete=models.CASCADE, related_name="sessions")
    label = models.CharField(_("name"), max_length=100)
    date = models.DateField(_("date"), null=True, blank=True)
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    ends_at = models.TimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    room_code = models.CharField(max_length=6, blank=True)
    display_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    display_valid_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["seminar", "date", "starts_at", "pk"]
        verbose_name = _("session")
        constraints = [
            models.UniqueConstraint(
                fields=["room_code"],
                condition=~models.Q(room_code=""),
                name="session_room_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Activity(models.Model):
    """One row of a seminar's agenda, ready for a 'present' button."""

    class Kind(models.TextChoices):
        TALK = "talk", _("Presentation")
        DISCUSSION = "discussion", _("Group discussion")
        BOARD = "board", _("Board")
        SURVEY = "survey", _("Survey")
        PLANNING = "planning", _("Team action plans")
        FOLLOW_UP = "follow_up", _("Follow-up on team plans")
        PERSONAL_PLAN = "personal_plan", _("Personal plans")
        REFLECTION = "reflection", _("Reflection on personal plans")
        SPARRING = "sparring", _("Sparring with a colleague")
        EVALUATION = "evaluation", _("Seminar evaluation")
        BREAK = "break", _("Break")
        OTHER = "other", _("Other")

    seminar = models.ForeignKey(Seminar, on_delete=models.CASCADE, related_name="activities")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.TimeField(_("start"), null=True, blank=True)
    ends_at = models.TimeField(_("end"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)

    class Meta:
        ordering = ["seminar", "position", "pk"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.title


class Seat(models.Model):
    """One phone's place in a seminar's room: anonymous, counted per room.

    The key is random for a phone that typed the room code (one seat per browser session),
    and a keyed hash of the personal link and the seminar for a phone that opened one (one
    seat per person, on any phone). No participant id, name or address is kept.
    """

    seminar = models.ForeignKey(Seminar, on_delete=models.CASCADE, related_name="seats")
    key = models.CharField(max_length=64)
    unit = models.ForeignKey(
        "programmes.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    language = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seminar", "key"], name="seat_key_unique"),
        ]

    def __str__(self) -> str:
        return f"seat {self.pk}"


class Board(models.Model):
    """A board of an agenda activity: posts from phones, grouped, voted on, shown on the wall."""

    class Kind(models.TextChoices):
        GOOD_EXAMPLES = "good_examples", _("Good examples")
        IMPROVEMENT_AREAS = "improvement_areas", _("Improvement areas")
        WINS = "wins", _("Wins")
        DILEMMAS = "dilemmas", _("Dilemmas")
        NOW_PICTURE = "now_picture", _("Where are we now?")
        QUESTIONS = "questions", _("Questions to management")

    class Phase(models.TextChoices):
        READY = "ready", _("Not started")
        COLLECT = "collect", _("Collect")
        REVEAL = "reveal", _("Reveal")
        GROUP = "group", pgettext_lazy("board phase", "Group")
        VOTE = "vote", _("Vote")
        RESULTS = "results", _("Results")

    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="board")
    kind = models.CharField(_("kind of board"), max_length=20, choices=Kind.choices)
    question = models.CharField(_("question on the phones"), max_length=300, blank=True)
    phase = models.CharField(max_length=10, choices=Phase.choices, default=Phase.READY)
    posts_at_once = models.BooleanField(
        _("show posts on the wall at once"),
        default=True,
        help_text=_(
            "Otherwise the wall shows only how many have been written, until you reveal them."
        ),
    )
    review_first = models.BooleanField(
        _("review every post before it goes on the wall"), default=False
    )
    voting = models.BooleanField(_("dot voting"), default=False)
    dots_per_seat = models.PositiveSmallIntegerField(_("dots per person"), default=3)
    dots_per_item = models.PositiveSmallIntegerField(
        _("dots one person may put on one item"), default=2
    )
    live_totals = models.BooleanField(_("show vote totals on the wall while voting"), default=False)
    # Raised by every change the wall or a control view would show: they poll for it.
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("board")

    def __str__(self) -> str:
        return self.activity.title

    @property
    def seminar_id(self) -> int:
        return self.activity.seminar_id


class PostGroup(models.Model):
    """What the room votes on: one post, or several the facilitator merged."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="groups")
    title = models.CharField(_("title"), max_length=200, blank=True)
    dimension = models.CharField(_("dimension"), max_length=30, blank=True)
    # Chosen by the facilitator for the manager's report (good examples, wins).
    in_report = models.BooleanField(_("in the manager's report"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title or f"item {self.pk}"


class Post(models.Model):
    """An anonymous post: nothing about it says who wrote it (the seat is for counting)."""

    class State(models.TextChoices):
        REVIEW = "review", _("Waiting for review")
        VISIBLE = "visible", _("Visible")
        HIDDEN = "hidden", _("Hidden")

    class Column(models.TextChoices):
        WORKS = "works", _("What works")
        HARD = "hard", _("What is hard")

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="posts")
    # RESTRICT: a group cannot be deleted while it holds posts (a merge moves them first),
    # but its board, activity or programme can, taking the posts with them.
    group = models.ForeignKey(PostGroup, on_delete=models.RESTRICT, related_name="posts")
    seat = models.ForeignKey(Seat, on_delete=models.SET_NULL, null=True, related_name="+")
    key = models.UUIDField()  # the form's idempotency key: a resend stores nothing twice
    text = models.TextField(max_length=500)
    unit = models.ForeignKey(
        "programmes.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    column = models.CharField(max_length=10, choices=Column.choices, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.VISIBLE)
    held_for = models.CharField(max_length=100, blank=True)  # name guard reasons, comma-separated
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["board", "key"], name="post_key_unique"),
        ]

    def __str__(self) -> str:
        return f"post {self.pk}"

    @property
    def held_for_labels(self) -> list[str]:
        """Why the name guard holds the post, in words for the poster."""
        from seminars.nameguard import Reason

        labels = dict(Reason.choices)
        return [str(labels[code]) for code in self.held_for.split(",") if code in labels]


class Vote(models.Model):
    """A seat's dots on one item; the budget is checked under a lock on the seat."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="votes")
    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="votes")
    group = models.ForeignKey(PostGroup, on_delete=models.CASCADE, related_name="votes")
    dots = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seat", "group"], name="vote_seat_group_unique"),
            models.CheckConstraint(condition=models.Q(dots__gt=0), name="vote_dots_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.dots} on item {self.group_id}"


NOTE_MAX_CHARS = 10_000  # per heading: a table's notes, never an essay


class GroupWork(models.Model):
    """Group work of an agenda activity: a guiding question, headings, and the groups."""

    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="group_work")
    question = models.CharField(_("guiding question"), max_length=300, blank=True)
    headings = models.JSONField(_("headings"), default=list, blank=True)
    is_open = models.BooleanField(_("open for notes from phones"), default=False)
    trial_period = models.BooleanField(
        _("tasks for a trial period"),
        default=False,
        help_text=_(
            "The notes are what each group tries before the next workshop; each group keeps a "
            "logbook through a link of its own, and the next run-sheet opens with both."
        ),
    )
    # Raised by every change the wall or the control view would show: they poll for it.
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("group work")

    def __str__(self) -> str:
        return self.activity.title

    @property
    def heading_list(self) -> list[str]:
        return [str(h) for h in self.headings] or [str(_("Notes"))]


class WorkGroup(models.Model):
    """One group of an activity: a table, a unit, or a mix of units, with shared notes."""

    work = models.ForeignKey(GroupWork, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    units = models.ManyToManyField("programmes.Unit", blank=True, related_name="+")
    notes = models.JSONField(default=dict, blank=True)  # heading -> text
    notes_version = models.PositiveIntegerField(default=0)
    # The group's logbook link for a trial period (a working group has no accounts).
    logbook_token_hash = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["work", "position", "pk"]
        verbose_name = _("group")

    def __str__(self) -> str:
        return self.name


class GroupSeat(models.Model):
    """A seat's place in one group of an activity (a seat sits in one group per activity)."""

    work = models.ForeignKey(GroupWork, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(WorkGroup, on_delete=models.CASCADE, related_name="seats")
    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["work", "seat"], name="group_seat_unique"),
        ]

    def __str__(self) -> str:
        return f"seat {self.seat_id} in {self.group_id}"


class EvaluationQuestion(models.Model):
    """A question of a programme's seminar evaluations (the facilitator may edit them)."""

    class Kind(models.TextChoices):
        SCALE = "scale", _("Scale from 1 to 5")
        TEXT = "text", _("Free text")

    class Asked(models.TextChoices):
        ALWAYS = "always", _("After every seminar")
        FIRST_AND_LAST = "first_last", _("After the first and the last seminar")

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="evaluation_questions"
    )
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.CharField(_("question"), max_length=300)
    asked = models.CharField(_("asked"), max_length=12, choices=Asked.choices, default="always")

    class Meta:
        ordering = ["programme", "position", "pk"]
        verbose_name = _("evaluation question")

    def __str__(self) -> str:
        return self.text


class Evaluation(models.Model):
    """The evaluation of a seminar, answered on phones at its evaluation activity."""

    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="evaluation")
    is_open = models.BooleanField(default=False)
    themes = models.TextField(_("themes from the comments"), max_length=4000, blank=True)
    version = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.activity.title


class EvaluationResponse(models.Model):
    """One phone's answers: no seat, no time; the seat that answered is kept apart."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="responses")
    key = models.UUIDField()  # the form's idempotency key

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "key"], name="evaluation_key_unique"),
        ]

    def __str__(self) -> str:
        return f"evaluation response {self.pk}"


class EvaluationAnswer(models.Model):
    response = models.ForeignKey(
        EvaluationResponse, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(EvaluationQuestion, on_delete=models.CASCADE, related_name="+")
    value = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(max_length=2000, blank=True)

    def __str__(self) -> str:
        return f"answer {self.pk}"


class EvaluationDone(models.Model):
    """That a seat has answered an evaluation (written apart from what it answered)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="+")
    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "seat"], name="evaluation_done_unique"),
        ]

    def __str__(self) -> str:
        return f"seat {self.seat_id} answered {self.evaluation_id}"


class LogbookEntry(models.Model):
    """A working group's note from a trial period: what it tried, and what happened."""

    group = models.ForeignKey(WorkGroup, on_delete=models.CASCADE, related_name="logbook")
    key = models.UUIDField()  # the form's idempotency key
    tried = models.TextField(_("what we tried"), max_length=2000)
    happened = models.TextField(_("what happened"), max_length=2000, blank=True)
    written_on = models.DateField(auto_now_add=True)

    class Meta:
        ordering = ["written_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "key"], name="logbook_key_unique"),
        ]

    def __str__(self) -> str:
        return f"logbook entry {self.pk}"
