"""Team action plans followed up seminar by seminar, and personal plans kept as ciphertext.

Team plans are the team's: their actions' owners are shown to the team and to facilitators,
never to managers. Personal plans are the participant's alone: the server holds a lookup
hash, a public key and ciphertext, and no row here names a participant.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from programmes.models import Programme, Unit
from surveys.models import Element

GOAL_MAX_CHARS = 1000
NOTE_MAX_CHARS = 2000
ACTION_MAX_CHARS = 500


class TeamPlan(models.Model):
    """A team's plan for one focus: for a unit, for a group of an activity, or for the whole
    programme (neither). It may come from an improvement area the room voted for."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="plans")
    unit = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="plans"
    )
    group = models.ForeignKey(
        "seminars.WorkGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plans",
    )
    # The voted improvement area it came from: improvement area -> votes -> plan.
    source = models.ForeignKey(
        "seminars.PostGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plans",
    )
    seminar = models.ForeignKey(  # where it was made
        "seminars.Seminar",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plans",
    )
    title = models.CharField(_("title"), max_length=200)
    focus = models.CharField(_("focus"), max_length=20, choices=Element.choices, blank=True)
    goal = models.TextField(_("goal"), max_length=GOAL_MAX_CHARS, blank=True)
    success_sign = models.TextField(_("how we will notice"), max_length=GOAL_MAX_CHARS, blank=True)
    version = models.PositiveIntegerField(default=0)  # of the plan's own fields
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["programme", "pk"]
        verbose_name = _("team action plan")

    def __str__(self) -> str:
        return self.title


class PlanningRun(models.Model):
    """Team plans, or their follow-up, run in the room from an agenda row: phones reach the
    plans through the room while the facilitator keeps it open."""

    activity = models.OneToOneField(
        "seminars.Activity", on_delete=models.CASCADE, related_name="planning"
    )
    is_open = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"planning {self.activity_id}"


class Action(models.Model):
    """One step of a team plan: what, who (free text), by when, and how far it has come."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        STUCK = "stuck", _("Stuck")
        DROPPED = "dropped", _("Dropped")

    plan = models.ForeignKey(TeamPlan, on_delete=models.CASCADE, related_name="actions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("what"), max_length=ACTION_MAX_CHARS)
    owner = models.CharField(_("who"), max_length=120, blank=True)
    due = models.DateField(_("by when"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    version = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    # The wins board's post it became, once sent there.
    win = models.ForeignKey(
        "seminars.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["plan", "position", "pk"]
        verbose_name = _("action")

    def __str__(self) -> str:
        return self.text

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.DONE, self.Status.DROPPED)


class ProgressUpdate(models.Model):
    """What the team said about an action at a follow-up: its status then, and a note."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    seminar = models.ForeignKey(
        "seminars.Seminar", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Action.Status.choices)
    note = models.TextField(_("progress note"), max_length=NOTE_MAX_CHARS, blank=True)
    key = models.UUIDField(unique=True)  # a resent form stores nothing twice
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["action", "created_at", "pk"]

    def __str__(self) -> str:
        return f"update {self.pk}"


class DifferenceRating(models.Model):
    """One phone's answer to "did it make a difference?" (1-5) for a done action: no seat,
    no time, like an evaluation answer."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="ratings")
    value = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__gte=1, value__lte=5), name="difference_value_range"
            ),
        ]

    def __str__(self) -> str:
        return f"rating {self.pk}"


class DifferenceDone(models.Model):
    """That a seat has answered for an action (kept apart from the answer)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="+")
    seat = models.ForeignKey("seminars.Seat", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["action", "seat"], name="difference_once_per_seat"),
        ]

    # --- Personal plans: ciphertext only ------------------------------------------------------

    def __str__(self) -> str:
        return f"answered {self.pk}"


class PersonalPlan(models.Model):
    """A participant's own plan, readable only with their plan key.

    `lookup` is a keyed derivation of the plan key (not the key), `public_key` lets a
    colleague seal feedback to the owner, and `ciphertext` holds the plan. Nothing here
    names the participant; the unit is optional and only ever counted.
    """

    class Kind(models.TextChoices):
        PLAN = "plan", _("Personal action plan")
        SCHEMA = "schema", _("Leadership action schema")

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="personal_plans"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PLAN)
    lookup = models.CharField(max_length=64, unique=True)
    public_key = models.BinaryField(max_length=32)
    ciphertext = models.BinaryField()
    version = models.PositiveIntegerField(default=0)
    created_on = models.DateField(auto_now_add=True)  # a day, not a moment

    class Meta:
        verbose_name = _("personal plan")

    def __str__(self) -> str:
        return f"personal plan {self.pk}"


class Reflection(models.Model):
    """The owner's reflection on their plan (seminar 4), encrypted like the plan."""

    plan = models.ForeignKey(PersonalPlan, on_delete=models.CASCADE, related_name="reflections")
    ciphertext = models.BinaryField()
    created_on = models.DateField(auto_now_add=True)

    def __str__(self) -> str:
        return f"reflection {self.pk}"


class Feedback(models.Model):
    """A colleague's feedback, sealed to the owner's public key: no sender is recorded."""

    plan = models.ForeignKey(PersonalPlan, on_delete=models.CASCADE, related_name="feedback")
    ciphertext = models.BinaryField()
    created_on = models.DateField(auto_now_add=True)

    def __str__(self) -> str:
        return f"feedback {self.pk}"


class SparringShare(models.Model):
    """The owner's plan shared for one conversation: readable with the code in the QR code
    (the server keeps only its hash and the plan encrypted under a key derived from it),
    usable once, until the end of the seminar day."""

    plan = models.ForeignKey(PersonalPlan, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    ciphertext = models.BinaryField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"share {self.pk}"


class Reminder(models.Model):
    """That a participant was reminded of an occasion (a seminar ahead, an open round), so
    nobody gets the same reminder twice. No text is kept; staff see counts."""

    participant = models.ForeignKey(
        "programmes.Participant", on_delete=models.CASCADE, related_name="+"
    )
    occasion = models.CharField(max_length=40)  # "seminar:<id>" or "round:<id>"
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "occasion"], name="reminder_once_per_occasion"
            ),
        ]

    def __str__(self) -> str:
        return self.occasion
