"""Operations on programmes that touch several rows or have side effects."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from programmes.models import (
    ClientRole,
    ManagerInvitation,
    Participant,
    ParticipantImport,
    Programme,
    ProgrammeLogo,
    ProgrammeManager,
    Unit,
    User,
    Workspace,
    new_token,
)
from programmes.participant_csv import ParseResult


class ServiceError(Exception):
    """A rule the user broke; the message is translated and safe to show."""


@transaction.atomic
def create_programme(*, workspace: Workspace, **fields) -> Programme:
    """Create a programme with the seminars and agendas of its template."""
    # Creating the seminars is the one place, besides the report, where programmes
    # reaches into another app: a programme is set up from a seminar template.
    from seminars.services import create_seminars_from_template

    programme = Programme.objects.create(workspace=workspace, **fields)
    create_seminars_from_template(programme=programme)
    return programme


def set_archived(*, programme: Programme, archived: bool) -> None:
    programme.status = Programme.Status.ARCHIVED if archived else Programme.Status.ACTIVE
    programme.save(update_fields=["status", "updated_at"])


def delete_orphaned_accounts(user_ids) -> int:
    """Delete the accounts among `user_ids` that are there for nothing any more: no workspace,
    no programme to follow, not an administrator. Called when a manager's access or a
    facilitator's membership ends, and when a programme goes; the audit log keeps only the
    number. Returns how many were deleted."""
    orphans = set(
        User.objects.filter(
            pk__in=list(user_ids),
            is_staff=False,
            is_superuser=False,
            memberships__isnull=True,
            managed_programmes__isnull=True,
        ).values_list("pk", flat=True)
    )
    if not orphans:
        return 0
    return User.objects.filter(pk__in=orphans).delete()[1].get(User._meta.label, 0)


def set_logo(*, programme: Programme, logo) -> ProgrammeLogo:
    """Store a checked logo (`programmes.logo.CleanLogo`) for the report's cover, replacing
    any earlier one."""
    stored, _created = ProgrammeLogo.objects.update_or_create(
        programme=programme,
        defaults={
            "content": logo.content,
            "content_type": logo.content_type,
            "width": logo.width,
            "height": logo.height,
        },
    )
    return stored


def remove_logo(*, programme: Programme) -> bool:
    return ProgrammeLogo.objects.filter(programme=programme).delete()[0] > 0


@transaction.atomic
def clear_programme(*, programme: Programme) -> None:
    """Delete what a programme holds (rounds, events, people, units), keeping the programme
    and its seminars, so their addresses and room codes stay valid."""
    # Survey rounds (and with them responses, which protect their units) go first.
    programme.rounds.all().delete()
    programme.events.all().delete()
    programme.participants.all().delete()
    programme.managers.all().delete()
    programme.manager_invitations.all().delete()
    # Units protect their parents, so delete leaves first.
    for node in reversed(list(programme.unit_tree().walk())):
        Unit.objects.filter(pk=node.id).delete()


def delete_programme(*, programme: Programme, budget: float | None = None) -> bool:
    """Delete a programme and every row that hangs on it; its audit trail stays.

    It is gone from every page and link at once; its rows go in batches (`programmes.
    deletion`). With a `budget` in seconds, what is left waits for the daily `retention`
    run; returns True when nothing is left.
    """
    from programmes import deletion

    deletion.mark_deleted(programme=programme)
    return deletion.purge(programme.pk, budget=budget)


def delete_unit(*, unit: Unit) -> None:
    """Delete a unit only when nothing hangs on it."""
    if unit.children.exists():
        raise ServiceError(
            _("“%(unit)s” has sub-units. Move or delete them first.") % {"unit": unit}
        )
    if unit.participants.exists():
        raise ServiceError(
            _("“%(unit)s” has participants. Move them to another unit first.") % {"unit": unit}
        )
    if ProgrammeManager.objects.filter(unit=unit).exists() or (
        ManagerInvitation.objects.filter(unit=unit).exists()
    ):
        raise ServiceError(
            _("A manager’s access is limited to “%(unit)s”. Change that first.") % {"unit": unit}
        )
    try:
        with transaction.atomic():
            unit.delete()
    except (ProtectedError, RestrictedError):  # answers, plans or posts name the unit
        raise ServiceError(
            _(
                "“%(unit)s” has survey answers, plans or posts that belong to it, so it stays: "
                "the results still count it. Rename it instead if it has changed."
            )
            % {"unit": unit}
        ) from None


@dataclass(frozen=True)
class IssuedLink:
    participant: Participant
    path: str

    @property
    def url(self) -> str:
        return settings.SITE_URL + self.path


@transaction.atomic
def issue_links(*, participants: list[Participant]) -> list[IssuedLink]:
    """New personal links for these participants; their old links stop working."""
    return [
        IssuedLink(participant, reverse("participant_link", args=[participant.issue_link_token()]))
        for participant in participants
    ]


def email_links(*, programme: Programme, links: list[IssuedLink]) -> int:
    """Send each participant with an e-mail address their personal link; returns the count."""
    sent = 0
    with translation.override(programme.language):
        for link in links:
            if not link.participant.email:
                continue
            context = {"programme": programme, "participant": link.participant, "url": link.url}
            send_mail(
                _("Your personal link for %(title)s") % {"title": programme.title},
                render_to_string("emails/participant_link.txt", context),
                None,
                [link.participant.email],
            )
            sent += 1
    return sent


def stage_import(
    *, programme: Programme, user: User, filename: str, result: ParseResult
) -> ParticipantImport:
    """Keep a checked upload until the facilitator confirms it."""
    ParticipantImport.objects.filter(programme=programme, created_by=user).delete()
    return ParticipantImport.objects.create(
        programme=programme,
        created_by=user,
        filename=filename[:255],
        rows=[[row.name, row.email, row.unit_id] for row in result.rows],
    )


@transaction.atomic
def confirm_import(*, staged: ParticipantImport) -> int:
    """Create every staged participant, or none if anything changed since the preview."""
    programme = staged.programme
    unit_ids = set(programme.units.values_list("pk", flat=True))
    emails = [email.casefold() for _name, email, _unit in staged.rows if email]
    taken = (
        Participant.objects.filter(programme=programme)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    stale = any(unit_id not in unit_ids for _n, _e, unit_id in staged.rows) or bool(
        set(emails) & {email.casefold() for email in taken}
    )
    if stale:
        raise ServiceError(
            _("The programme changed since the preview. Upload the file again to check it.")
        )
    participants = [
        Participant(
            programme=programme, unit_id=unit_id, name=name, email=email, token_hash=new_token()[1]
        )
        for name, email, unit_id in staged.rows
    ]
    try:
        with transaction.atomic():
            Participant.objects.bulk_create(participants, batch_size=1000)
    except IntegrityError:
        raise ServiceError(
            _("The programme changed since the preview. Upload the file again to check it.")
        ) from None
    staged.delete()
    return len(participants)


def invite_manager(
    *,
    programme: Programme,
    email: str,
    unit: Unit | None,
    invited_by: User,
    role: str = ClientRole.MANAGER,
) -> ManagerInvitation:
    """Create an invitation for a manager or a co-facilitator and e-mail its accept link."""
    token, token_hash = new_token()
    invitation = ManagerInvitation.objects.create(
        programme=programme,
        email=email,
        unit=unit,
        role=role,
        token_hash=token_hash,
        invited_by=invited_by,
        expires_at=timezone.now() + datetime.timedelta(days=settings.MANAGER_INVITATION_DAYS),
    )
    url = settings.SITE_URL + reverse("invitation_accept", args=[token])
    with translation.override(programme.language):
        if role == ClientRole.COFACILITATOR:
            subject = _("Invitation to help run %(title)s") % {"title": programme.title}
        else:
            subject = _("Invitation to follow %(title)s") % {"title": programme.title}
        send_mail(
            subject,
            render_to_string(
                "emails/manager_invitation.txt",
                {
                    "programme": programme,
                    "invitation": invitation,
                    "url": url,
                    "inviter": invited_by,
                    "days": settings.MANAGER_INVITATION_DAYS,
                },
            ),
            None,
            [email],
        )
    return invitation


@transaction.atomic
def accept_invitation(*, invitation: ManagerInvitation, user: User) -> ProgrammeManager:
    """Turn an invitation into a row in its role for this user (creating nothing twice)."""
    manager, _created = ProgrammeManager.objects.update_or_create(
        programme=invitation.programme,
        user=user,
        defaults={"unit": invitation.unit, "role": invitation.role},
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return manager


def hand_over(programme: Programme, *, handed: bool) -> None:
    """Hand the programme over to the client's working group, or take it back.

    Handed over, its co-facilitators invite and remove co-facilitators and managers
    themselves and keep running follow-up rounds; the workspace's facilitators keep their
    access (and the settings, the log, the export and the deletion). There must be a
    co-facilitator to hand it to.
    """
    if handed and not programme.managers.filter(role=ClientRole.COFACILITATOR).exists():
        raise ServiceError(
            _("Invite a co-facilitator from the client first: there is no one to hand it to.")
        )
    programme.handed_over_at = timezone.now() if handed else None
    programme.save(update_fields=["handed_over_at", "updated_at"])


def existing_user_for(email: str) -> User | None:
    return get_user_model().objects.filter(email__iexact=email).first()


@transaction.atomic
def accept_invitation_as_new_user(
    *, invitation: ManagerInvitation, first_name: str, last_name: str, password: str
) -> User:
    """Create the manager's account with the chosen password and accept the invitation."""
    user = create_invited_user(
        email=invitation.email, first_name=first_name, last_name=last_name, password=password
    )
    accept_invitation(invitation=invitation, user=user)
    return user


def create_invited_user(*, email: str, first_name: str, last_name: str, password: str) -> User:
    """The account an invitation makes: the invited address is its user name and e-mail."""
    return get_user_model().objects.create_user(
        username=email.casefold(),
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
    )
