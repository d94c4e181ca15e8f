"""Seminars of a programme and their agendas."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from programmes.models import Programme


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


class Activity(models.Model):
    """One row of a seminar's agenda, ready for a 'present' button."""

    class Kind(models.TextChoices):
        TALK = "talk", _("Presentation")
        DISCUSSION = "discussion", _("Group discussion")
        BOARD = "board", _("Board")
        SURVEY = "survey", _("Survey")
        PLANNING = "planning", _("Action planning")
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
