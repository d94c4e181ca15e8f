"""Workspaces, client programmes, their units, participants, managers and the audit log."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Length, Lower
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programmes.tree import UnitTree

TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 characters, 256 bits


def hash_token(token: str) -> str:
    """SHA-256 of a secret token; at 256 bits of entropy no salt or stretching is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh secret token and its hash."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


class User(AbstractUser):
    """A facilitator or a client manager. Participants never have accounts."""

    # Raised to end every session of the user at once, on every server: deactivation,
    # removal from a workspace, "log out everywhere". Mixed into the session hash Django
    # checks on each request, so no session table is searched.
    sessions_epoch = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_unique_ci",
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_session_auth_hash(self) -> str:
        """Django's hash of the password, plus the epoch once it was ever raised: a session
        made before the epoch rose no longer matches and ends on its next request."""
        password_hash = super().get_session_auth_hash()
        if not self.sessions_epoch:
            return password_hash
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "programmes.User.sessions_epoch",
            f"{password_hash}:{self.sessions_epoch}",
            algorithm="sha256",
        ).hexdigest()

    def save(self, *args, **kwargs) -> None:
        if self.pk and not self.is_active:
            # A deactivated user's sessions end now and stay ended if the account is
            # reactivated later: each save of an inactive account moves the epoch on.
            self.sessions_epoch += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "sessions_epoch"}
        super().save(*args, **kwargs)

    def end_sessions(self) -> None:
        """End every session of this user, on every server, at their next request."""
        User.objects.filter(pk=self.pk).update(sessions_epoch=models.F("sessions_epoch") + 1)
        self.refresh_from_db(fields=["sessions_epoch"])


class Workspace(models.Model):
    """A consultancy: its facilitators share its programmes."""

    name = models.CharField(_("name"), max_length=120)
    require_mfa_for_managers = models.BooleanField(
        _("client managers must use two-factor authentication"),
        default=False,
        help_text=_(
            "Facilitators always must (when MFA_REQUIRED is on); managers of this workspace's "
            "programmes then must as well."
        ),
    )
    cofacilitators_see_names = models.BooleanField(
        _("client co-facilitators may see participants’ names"),
        default=False,
        help_text=_(
            "Off: a co-facilitator from the client runs seminars, rounds and plans without "
            "seeing the participant list or who owns an action."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("workspace")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        FACILITATOR = "facilitator", _("Facilitator")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.FACILITATOR)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.workspace}"


class LiveProgrammes(models.Manager):
    """Programmes that are not marked deleted: what every page and link may find."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class ProgrammeQuerySet(models.QuerySet):
    def for_facilitator(self, user) -> ProgrammeQuerySet:
        return self.filter(workspace__memberships__user=user)

    def for_manager(self, user) -> ProgrammeQuerySet:
        return self.filter(managers__user=user)

    def run_by(self, user) -> ProgrammeQuerySet:
        """The programmes this user runs: those of their workspaces, and those they are a
        client co-facilitator of. Each carries `runs_as_member`, so pages know the role
        without asking again."""
        return self.annotate(
            runs_as_member=Exists(
                Membership.objects.filter(workspace=OuterRef("workspace"), user=user)
            )
        ).filter(
            Q(runs_as_member=True)
            | Exists(
                ProgrammeManager.objects.filter(
                    programme=OuterRef("pk"), user=user, role=ClientRole.COFACILITATOR
                )
            )
        )

    def active(self) -> ProgrammeQuerySet:
        return self.filter(status=Programme.Status.ACTIVE)

    def with_counts(self) -> ProgrammeQuerySet:
        """Annotate unit_count and participant_count without multiplying joins."""

        def count(model: type[models.Model]) -> Coalesce:
            rows = (
                model.objects.filter(programme=OuterRef("pk"))
                .order_by()
                .values("programme")
                .annotate(n=Count("pk"))
                .values("n")
            )
            return Coalesce(Subquery(rows), 0)

        return self.annotate(unit_count=count(Unit), participant_count=count(Participant))


class Programme(models.Model):
    """One client programme: a client organisation, its units, seminars and surveys."""

    class Language(models.TextChoices):
        DANISH = "da", _("Danish")
        SWEDISH = "sv", _("Swedish")
        ENGLISH = "en", _("English")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")

    class Template(models.TextChoices):
        FOUR_SEMINARS = "four_seminars", _("Four seminars (standard)")
        THREE_WORKSHOPS = "three_workshops", _("Three workshops with trial periods")
        LEADERSHIP_DAY = "leadership_day", _("One leadership day with dilemmas")
        LEADERSHIP_CHAIN = "leadership_chain", _("One day for a whole leadership chain")
        REGIONAL = "regional", _("One regional seminar across several municipalities")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="programmes")
    organisation = models.CharField(_("client organisation"), max_length=200)
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.DANISH
    )
    min_group_size = models.PositiveSmallIntegerField(
        _("minimum group size"),
        default=5,
        validators=[MinValueValidator(settings.MIN_GROUP_SIZE_FLOOR), MaxValueValidator(50)],
        help_text=_("No result is shown for a group with fewer respondents. Never below 3."),
    )
    team_change_threshold = models.PositiveSmallIntegerField(
        _("change threshold for a team (points)"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    programme_change_threshold = models.PositiveSmallIntegerField(
        _("change threshold for the whole programme (points)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    template = models.CharField(
        _("programme template"),
        max_length=20,
        choices=Template.choices,
        default=Template.FOUR_SEMINARS,
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # Named by the privacy notice (/privacy/) and its help texts: the client organisation is
    # the data controller, the workspace (the consultancy) its data processor.
    privacy_contact = models.CharField(
        _("contact for questions about the data"), max_length=200, blank=True
    )
    dpo_contact = models.CharField(_("data protection officer"), max_length=200, blank=True)
    # Handed over to the client's working group: its co-facilitators then invite and remove
    # co-facilitators and managers themselves, and keep running follow-up rounds.
    handed_over_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # A programme marked deleted is gone from every page at once; `programmes.deletion`
    # removes its rows in batches, then the row itself. `all_objects` still sees it.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    retention_months = models.PositiveSmallIntegerField(
        _("keep the data for (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "After the last seminar or survey round. Then everything in the programme is "
            "deleted. The client decides, as the controller of the data."
        ),
    )

    objects = LiveProgrammes.from_queryset(ProgrammeQuerySet)()
    all_objects = ProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("programme")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_group_size__gte=3), name="programme_min_group_size_gte_3"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.title}"

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.ARCHIVED

    def unit_tree(self) -> UnitTree:
        """All units of the programme as a tree, read in one query."""
        return UnitTree.from_rows(self.units.values_list("pk", "parent_id", "name"))


class ProgrammeLogo(models.Model):
    """The logo on the report's cover, kept in the database: app servers keep no files.

    Only what `programmes.logo.clean` returns is stored: a raster image decoded and encoded
    again as PNG (no metadata, no trailing bytes), or an SVG that passed the allow-list and
    was written out again. It reaches a PDF as a `data:` URL and a page through
    `programme_logo`, which sends it with a CSP that runs nothing.
    """

    programme = models.OneToOneField(
        Programme, on_delete=models.CASCADE, primary_key=True, related_name="logo"
    )
    content = models.BinaryField()
    content_type = models.CharField(max_length=20)  # image/png or image/svg+xml
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("logo")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(content_type__in=["image/png", "image/svg+xml"]),
                name="programme_logo_known_type",
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}: {self.content_type} {self.width}x{self.height}"

    def data_url(self) -> str:
        import base64

        return f"data:{self.content_type};base64,{base64.b64encode(bytes(self.content)).decode()}"


class Unit(models.Model):
    """A team, school, department or any other group; units form a tree per programme."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="units")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    name = models.CharField(_("name"), max_length=120)
    headcount = models.PositiveIntegerField(
        _("headcount"),
        null=True,
        blank=True,
        help_text=_("Number of employees, when they are not listed as participants."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        constraints = [
            models.UniqueConstraint(
                "programme",
                "parent",
                Lower("name"),
                name="unit_name_unique_among_siblings",
            ),
            models.UniqueConstraint(
                "programme",
                Lower("name"),
                condition=models.Q(parent__isnull=True),
                name="unit_top_name_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Participant(models.Model):
    """An employee invited to the programme. No account; a personal link instead."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="participants")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="participants", verbose_name=_("unit")
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    link_issued_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "email", "pk"]
        verbose_name = _("participant")
        constraints = [
            models.UniqueConstraint(
                "programme",
                Lower("email"),
                condition=~models.Q(email=""),
                name="participant_email_unique_in_programme",
            ),
            models.CheckConstraint(
                condition=Exact(Length("token_hash"), 64), name="participant_token_hash_length"
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email or _("Participant %(id)s") % {"id": self.pk}

    def save(self, *args, **kwargs) -> None:
        if not self.token_hash:
            _token, self.token_hash = new_token()
        super().save(*args, **kwargs)

    def issue_link_token(self) -> str:
        """Replace the link token, voiding the old link, and return the new one in clear."""
        token, self.token_hash = new_token()
        self.link_issued_at = timezone.now()
        self.save(update_fields=["token_hash", "link_issued_at"])
        return token


class ClientRole(models.TextChoices):
    """What a person from the client does in one programme."""

    MANAGER = "manager", _("Manager")
    COFACILITATOR = "cofacilitator", _("Co-facilitator")


class ProgrammeManager(models.Model):
    """A person from the client with access to one programme: a manager (read-only,
    optionally one unit subtree) or a co-facilitator (runs the programme's seminars, rounds
    and plans; sees results as a manager of the whole programme does)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="managers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="managed_programmes"
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("limited to unit"),
    )
    role = models.CharField(
        _("role"), max_length=20, choices=ClientRole.choices, default=ClientRole.MANAGER
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("manager")
        constraints = [
            models.UniqueConstraint(fields=["programme", "user"], name="manager_unique"),
            models.CheckConstraint(
                condition=models.Q(role=ClientRole.MANAGER) | models.Q(unit__isnull=True),
                name="cofacilitator_whole_programme",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_cofacilitator(self) -> bool:
        return self.role == ClientRole.COFACILITATOR


class ManagerInvitationQuerySet(models.QuerySet):
    def pending(self) -> ManagerInvitationQuerySet:
        return self.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())


class ManagerInvitation(models.Model):
    """An e-mailed invitation; accepting it creates a ProgrammeManager row in its role."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="manager_invitations"
    )
    email = models.EmailField(_("e-mail"))
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("limited to unit"),
    )
    role = models.CharField(
        _("role"), max_length=20, choices=ClientRole.choices, default=ClientRole.MANAGER
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = ManagerInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email


class ParticipantImport(models.Model):
    """A checked CSV upload waiting for the facilitator's confirmation."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    filename = models.CharField(max_length=255)
    rows = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename


class AuditEntry(models.Model):
    """One staff change. Append-only (a database trigger refuses UPDATE and DELETE).

    Ids are plain values, not foreign keys, so deleting a programme keeps its trail,
    and no participant data is ever written here.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(null=True)
    actor = models.CharField(max_length=150)
    role = models.CharField(max_length=20)
    workspace_id = models.BigIntegerField(null=True)
    programme_id = models.BigIntegerField(null=True, db_index=True)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=300, blank=True)  # rows written before `details`
    details = models.JSONField(default=dict, blank=True)  # numbers and changed field names
    request_id = models.CharField(max_length=36, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action}"

    # The wording lives in programmes.audit, which imports this module: hence the
    # imports inside the methods.

    @property
    def action_label(self) -> str:
        from programmes.audit import action_label

        return action_label(self.action)

    @property
    def role_label(self) -> str:
        from programmes.audit import role_label

        return role_label(self.role)

    @property
    def details_text(self) -> str:
        """The row's details as translated sentences (older rows: their stored summary)."""
        from programmes.audit import describe_details

        return describe_details(self) or self.summary


class RateCounter(models.Model):
    """A shared counter of failed attempts in one time window (used without Redis)."""

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}={self.count}"


class WorkspaceInvitation(models.Model):
    """An e-mailed invitation to join a workspace as a facilitator; accepting it creates a
    Membership. Only the token's hash is stored."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = ManagerInvitationQuerySet.as_manager()  # the same `pending()`

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("workspace invitation")

    def __str__(self) -> str:
        return self.email
