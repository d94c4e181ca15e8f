"""Access helpers: every lookup of programme data in a view goes through one of these.

Staff reach a programme through their workspace or a manager row; a participant's phone
through its session (the personal link it opened).

Each raises Http404 when the user may not see the object, so an outsider cannot tell a
forbidden object from a missing one. Conditions are spelt out one per line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from django.http import Http404, HttpRequest

from programmes.models import (
    ManagerInvitation,
    Participant,
    Programme,
    ProgrammeManager,
    Unit,
    User,
    Workspace,
    hash_token,
)

Role = Literal["facilitator", "manager"]

# The hash of the personal link a phone opened (participant_link writes it): the one place a
# participant's session points to a Participant. Survey answers never carry it.
PARTICIPANT_SESSION_KEY = "participant_token_hash"


@dataclass(frozen=True)
class ProgrammeAccess:
    """What a signed-in user may see of one programme."""

    programme: Programme
    role: Role
    unit: Unit | None = None  # a manager limited to this unit's subtree

    @property
    def is_facilitator(self) -> bool:
        return self.role == "facilitator"

    @cached_property
    def visible_unit_ids(self) -> set[int] | None:
        """Units this user may see results for; None means the whole programme."""
        if self.unit is None:
            return None
        return self.programme.unit_tree().subtree_ids(self.unit.pk)

    @property
    def sees_whole_programme(self) -> bool:
        """Whether the programme-level group (the root) is this viewer's to see."""
        return self.unit is None

    def sees(self, unit_id: int | None) -> bool:
        """The one rule for what a viewer may see of the unit tree: every group when not
        limited; else only units in the limiting unit's subtree (never the root, and never
        a unit outside it). Views filter with this; they never suppress anew for a subtree.
        """
        if self.unit is None:
            return True
        return unit_id is not None and unit_id in self.visible_unit_ids

    def visible_nodes(self, tree) -> list:
        """The tree's units this viewer may see, in tree order."""
        return [node for node in tree.walk() if self.sees(node.id)]


def workspaces_for_facilitator(user: User) -> list[Workspace]:
    if not user.is_authenticated:
        return []
    return list(Workspace.objects.filter(memberships__user=user))


def get_programme_for_facilitator(user: User, programme_id: int) -> Programme:
    """A programme of one of the user's workspaces, or 404."""
    if not user.is_authenticated:
        raise Http404
    if not user.is_active:
        raise Http404
    try:
        return (
            Programme.objects.select_related("workspace").for_facilitator(user).get(pk=programme_id)
        )
    except Programme.DoesNotExist:
        raise Http404 from None


def get_programme_access(user: User, programme_id: int) -> ProgrammeAccess:
    """Read access for a facilitator of the workspace or an invited manager, or 404."""
    if not user.is_authenticated:
        raise Http404
    if not user.is_active:
        raise Http404
    programme = Programme.objects.select_related("workspace").filter(pk=programme_id).first()
    if programme is None:
        raise Http404
    if programme.workspace.memberships.filter(user=user).exists():
        return ProgrammeAccess(programme, "facilitator")
    manager = (
        ProgrammeManager.objects.select_related("unit")
        .filter(programme=programme, user=user)
        .first()
    )
    if manager is None:
        raise Http404
    return ProgrammeAccess(programme, "manager", manager.unit)


def session_participant(request: HttpRequest) -> Participant | None:
    """The participant whose personal link this browser session opened, if any."""
    token_hash = request.session.get(PARTICIPANT_SESSION_KEY)
    if not token_hash:
        return None
    return Participant.objects.select_related("programme").filter(token_hash=token_hash).first()


def get_unit(programme: Programme, unit_id: int) -> Unit:
    """A unit of this programme (the caller has already checked the programme)."""
    try:
        return Unit.objects.get(pk=unit_id, programme=programme)
    except Unit.DoesNotExist:
        raise Http404 from None


def get_unit_for_access(access: ProgrammeAccess, unit_id: int) -> Unit:
    """A unit the user may see: in the programme and, for a limited manager, in the subtree."""
    unit = get_unit(access.programme, unit_id)
    if not access.sees(unit.pk):
        raise Http404
    return unit


def get_participant(programme: Programme, participant_id: int) -> Participant:
    try:
        return Participant.objects.select_related("unit").get(
            pk=participant_id, programme=programme
        )
    except Participant.DoesNotExist:
        raise Http404 from None


def get_manager(programme: Programme, manager_id: int) -> ProgrammeManager:
    try:
        return ProgrammeManager.objects.select_related("user").get(
            pk=manager_id, programme=programme
        )
    except ProgrammeManager.DoesNotExist:
        raise Http404 from None


def get_invitation(programme: Programme, invitation_id: int) -> ManagerInvitation:
    try:
        return ManagerInvitation.objects.get(pk=invitation_id, programme=programme)
    except ManagerInvitation.DoesNotExist:
        raise Http404 from None


def get_usable_invitation(token: str) -> ManagerInvitation:
    """An invitation that is neither accepted nor expired, found by its secret token."""
    invitation = (
        ManagerInvitation.objects.pending()
        .select_related("programme", "unit")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation
