"""A workspace runs itself: its owner invites and removes facilitators and hands ownership
on, without the Django admin.

Rules kept here, whatever page asks:
- a workspace always has exactly one owner; ownership moves in one transaction, under a
  lock on the workspace's memberships, so two owners handing over at once cannot leave
  none or two;
- the owner cannot be removed (hand ownership on first); anyone else can be;
- a removed facilitator's sessions end at once on every device (`User.end_sessions`): what
  they had open stops answering, and they may still belong to other workspaces;
- an invitation is for one e-mail address, is used once, expires after
  MANAGER_INVITATION_DAYS, and only its token's hash is stored.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from programmes.models import Membership, User, Workspace, WorkspaceInvitation, new_token
from programmes.services import create_invited_user, delete_orphaned_accounts


class WorkspaceError(Exception):
    """A change the rules above do not allow; the message is for the owner."""


def invite(*, workspace: Workspace, email: str, invited_by: User) -> WorkspaceInvitation:
    """Create an invitation and e-mail its link, in the inviter's language."""
    email = email.strip()
    if Membership.objects.filter(workspace=workspace, user__email__iexact=email).exists():
        raise WorkspaceError(
            _("%(email)s is already a member of this workspace.") % {"email": email}
        )
    token, token_hash = new_token()
    invitation = WorkspaceInvitation.objects.create(
        workspace=workspace,
        email=email,
        token_hash=token_hash,
        invited_by=invited_by,
        expires_at=timezone.now() + datetime.timedelta(days=settings.MANAGER_INVITATION_DAYS),
    )
    url = settings.SITE_URL + reverse("workspace_invitation", args=[token])
    send_mail(
        _("Invitation to the workspace %(name)s") % {"name": workspace.name},
        render_to_string(
            "emails/workspace_invitation.txt",
            {
                "workspace": workspace,
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
def accept(*, invitation: WorkspaceInvitation, user: User) -> Membership:
    """Turn an invitation into a facilitator's membership (a member stays what they are)."""
    membership, _created = Membership.objects.get_or_create(
        workspace=invitation.workspace,
        user=user,
        defaults={"role": Membership.Role.FACILITATOR},
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def accept_as_new_user(
    *, invitation: WorkspaceInvitation, first_name: str, last_name: str, password: str
) -> User:
    user = create_invited_user(
        email=invitation.email, first_name=first_name, last_name=last_name, password=password
    )
    accept(invitation=invitation, user=user)
    return user


@transaction.atomic
def remove(*, membership: Membership) -> None:
    """Take a facilitator out of the workspace and end their sessions."""
    locked = list(
        Membership.objects.select_for_update().filter(workspace_id=membership.workspace_id)
    )
    current = next((m for m in locked if m.pk == membership.pk), None)
    if current is None:
        return  # removed already
    if current.role == Membership.Role.OWNER:
        raise WorkspaceError(
            _("The owner cannot be removed. Hand the ownership to someone else first.")
        )
    current.delete()
    current.user.end_sessions()
    delete_orphaned_accounts([current.user_id])  # in no other workspace, following nothing


@transaction.atomic
def hand_over(*, workspace: Workspace, from_user: User, to: Membership) -> None:
    """Make `to` the owner and the present owner a facilitator, in one step."""
    locked = {m.pk: m for m in Membership.objects.select_for_update().filter(workspace=workspace)}
    owner = next(
        (
            m
            for m in locked.values()
            if m.role == Membership.Role.OWNER and m.user_id == from_user.pk
        ),
        None,
    )
    if owner is None:
        raise WorkspaceError(_("Only the workspace's owner can hand the ownership on."))
    target = locked.get(to.pk)
    if target is None:
        raise WorkspaceError(_("That person is no longer a member of this workspace."))
    if target.pk == owner.pk:
        return
    owner.role = Membership.Role.FACILITATOR
    owner.save(update_fields=["role"])
    target.role = Membership.Role.OWNER
    target.save(update_fields=["role"])
