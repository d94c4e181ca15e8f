"""The temperature survey: instruments and items, rounds, anonymous responses.

Anonymity lives in the schema: a Response holds no participant, no IP, no timestamp and a
random primary key; a Participation records only that a participant has answered a round,
and the two are written in separate transactions (see surveys/services.py).
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from programmes.models import Participant, Programme, Unit, Workspace
from surveys import scoring
from surveys.item_bank import STANDARD_NAME

# 31 characters without look-alikes (no 0/O, 1/I/L): 6 characters carry 29.7 bits.
ROOM_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ROOM_CODE_LENGTH = 6


def new_room_code() -> str:
    return "".join(secrets.choice(ROOM_CODE_ALPHABET) for _ in range(ROOM_CODE_LENGTH))


def normalise_room_code(code: str) -> str:
    """What a person types ('abc 23o') to what we store ('ABC230' never matches: no 0)."""
    return "".join(code.split()).upper()[:20]


class Subdimension(models.TextChoices):
    TRUST_VERTICAL = "trust_vertical", _("Trust between staff and management")
    TRUST_HORIZONTAL = "trust_horizontal", _("Trust among colleagues")
    JUSTICE_PROCESS = "justice_process", _("Fair processes")
    JUSTICE_DISTRIBUTION = "justice_distribution", _("Fair distribution and respect")
    COLLABORATION_BONDING = "collaboration_bonding", _("Collaboration within the team")
    COLLABORATION_BRIDGING = "collaboration_bridging", _("Collaboration with other teams")
    COLLABORATION_LINKING = "collaboration_linking", _("Collaboration with management")


class Element(models.TextChoices):
    TRUST = "trust", _("Trust")
    JUSTICE = "justice", _("Fairness")
    COLLABORATION = "collaboration", _("Collaboration")


MEASURE_LABELS = {
    **dict(Subdimension.choices),
    **dict(Element.choices),
    scoring.INDEX: _("Social capital index"),
}

assert tuple(Subdimension.values) == scoring.SUBDIMENSIONS
assert tuple(Element.values) == scoring.ELEMENTS


class InstrumentQuerySet(models.QuerySet):
    def available_to(self, workspace: Workspace) -> InstrumentQuerySet:
        """The shipped instruments and the workspace's own versions."""
        return self.filter(models.Q(workspace__isnull=True) | models.Q(workspace=workspace))


class Instrument(models.Model):
    """One version of an item set. Immutable once a round has used it."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, null=True, blank=True, related_name="instruments"
    )
    name = models.CharField(_("name"), max_length=120)
    version = models.PositiveIntegerField(_("version"), default=1)
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name", "version"], name="instrument_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} v{self.version}"

    @property
    def display_name(self) -> str:
        """The name to show: the shipped instrument's (and its copies') in the reader's
        language, any other as it is stored."""
        if self.name == STANDARD_NAME:
            return str(_("Social capital temperature"))
        return self.name

    @property
    def is_locked(self) -> bool:
        """Pinned by a programme whose rounds have opened: its items may no longer change."""
        return SurveySetup.objects.filter(instrument=self, pinned_at__isnull=False).exists()


class Item(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(_("key"), max_length=40)
    subdimension = models.CharField(_("sub-dimension"), max_length=30, choices=Subdimension.choices)
    text_da = models.CharField(_("text (Danish)"), max_length=300)
    text_sv = models.CharField(_("text (Swedish)"), max_length=300)
    text_en = models.CharField(_("text (English)"), max_length=300)
    reverse = models.BooleanField(_("reverse-scored"), default=False)
    allow_dont_know = models.BooleanField(_("offers “don’t know / not relevant”"), default=False)
    core = models.BooleanField(_("in the phone survey by default"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["instrument", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "key"], name="item_key_unique")
        ]

    def __str__(self) -> str:
        return self.key

    def text(self, language: str) -> str:
        return getattr(self, f"text_{language}", None) or self.text_en

    def spec(self) -> scoring.ItemSpec:
        return scoring.ItemSpec(id=self.pk, subdimension=self.subdimension, reverse=self.reverse)


class SurveySetup(models.Model):
    """Which instrument and items a programme uses; pinned when its first round opens."""

    programme = models.OneToOneField(
        Programme, on_delete=models.CASCADE, related_name="survey_setup"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    items = models.ManyToManyField(Item, related_name="+")
    pinned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.programme}: {self.instrument}"


class RoundQuerySet(models.QuerySet):
    def open(self) -> RoundQuerySet:
        return self.filter(state=Round.State.OPEN)


class Round(models.Model):
    """A survey round of a programme: baseline, repeat or follow-up."""

    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("round state", "Not opened yet")
        OPEN = "open", pgettext_lazy("round state", "Open")
        CLOSED = "closed", pgettext_lazy("round state", "Closed")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="rounds")
    seminar = models.ForeignKey(
        "seminars.Seminar",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rounds",
        verbose_name=_("seminar"),
    )
    title = models.CharField(_("title"), max_length=120)
    opens_at = models.DateTimeField(_("planned opening"), null=True, blank=True)
    closes_at = models.DateTimeField(_("planned closing"), null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    room_code = models.CharField(max_length=ROOM_CODE_LENGTH, blank=True, db_index=True)
    # The projector's last shown room result: renewed only after k more responses.
    live_n = models.PositiveIntegerField(default=0)
    live_figures = models.JSONField(default=dict, blank=True)
    # Answers arrive in waves: wave 0 until the first close, one more after each reopen.
    wave = models.PositiveSmallIntegerField(default=0)
    # What closing has published, batch by batch (see surveys/results.py):
    # [{"first": wave, "last": wave, "k": k, "tree": [[unit id, parent id], ...]}].
    published = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["room_code"],
                condition=models.Q(state="open") & ~models.Q(room_code=""),
                name="round_open_room_code_unique",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class Response(models.Model):
    """One anonymous answer sheet. Nothing here leads to a person."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="responses")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="responses")
    language = models.CharField(max_length=2, choices=settings.LANGUAGES)
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.UUIDField()
    # The round's wave this answer came in (0 before the first close): no time of its own.
    wave = models.PositiveSmallIntegerField(default=0)
    # Scores at submit (0-100 or null), so group figures are SQL aggregates.
    trust_vertical = models.FloatField(null=True)
    trust_horizontal = models.FloatField(null=True)
    justice_process = models.FloatField(null=True)
    justice_distribution = models.FloatField(null=True)
    collaboration_bonding = models.FloatField(null=True)
    collaboration_bridging = models.FloatField(null=True)
    collaboration_linking = models.FloatField(null=True)
    trust = models.FloatField(null=True)
    justice = models.FloatField(null=True)
    collaboration = models.FloatField(null=True)
    index = models.FloatField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "idempotency_key"], name="response_round_key_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.pk)


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(null=True)  # 1-5; null: don't know

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="answer_unique"),
            models.CheckConstraint(
                condition=models.Q(value__isnull=True)
                | models.Q(value__gte=scoring.ANSWER_MIN, value__lte=scoring.ANSWER_MAX),
                name="answer_value_on_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}={self.value}"


class Participation(models.Model):
    """That a participant has answered a round: no time, no link to the answers."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="participations"
    )
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="participations")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "round"], name="participation_unique")
        ]

    def __str__(self) -> str:
        return str(self.pk)


class Draft(models.Model):
    """Answers on their way: kept server-side under a random id held in the session."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="drafts")
    language = models.CharField(max_length=2, choices=settings.LANGUAGES, blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, related_name="+")
    answers = models.JSONField(default=dict)
    idempotency_key = models.UUIDField(default=uuid.uuid4)
    submitting = models.BooleanField(default=False)
    touched_on = models.DateField(default=timezone.localdate)

    def __str__(self) -> str:
        return str(self.pk)


class Event(models.Model):
    """A facilitator's note on the programme's timeline, e.g. "new manager in Afsnit B".

    Shown beside the trend, so nobody credits every change to the programme.
    """

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="events")
    date = models.DateField(_("date"))
    text = models.CharField(_("what happened"), max_length=200)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("event")

    def __str__(self) -> str:
        return f"{self.date}: {self.text}"
