"""Access helpers: every lookup of programme data in a view goes through one of these.

Staff reach a programme through their workspace or a row for a person from the client (a
manager, or a co-facilitator who runs that one programme); a participant's phone through its
session (the personal link it opened).

Who may do what with one programme:

| | workspace facilitator | client co-facilitator | client manager |
|---|---|---|---|
| run seminars, rooms, boards, rounds, plans | yes | yes | no |
| results | everything a facilitator sees | as a manager of the whole programme | their subtree |
| participant names, action owners | yes | if the workspace allows it | never |
| settings, units, log, export, deletion | yes | no | no |
| invite and remove managers, co-facilitators | yes | once the programme is handed over | no |

Each raises Http404 when the user may not see the object, so an outsider cannot tell a
forbidden object from a missing one. Conditions are spelt out one per line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from django.http import Http404, HttpRequest

from programmes.models import (
    ClientRole,
    ManagerInvitation,
    Participant,
    Programme,
    ProgrammeManager,
    Unit,
    User,
    Workspace,
    hash_token,
)

Role = Literal["facilitator", "cofacilitator", "manager"]

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
        """Runs the programme (a workspace facilitator or a client co-facilitator): the
        controls of seminars, rooms, boards, rounds and plans follow this."""
        return self.role in ("facilitator", "cofacilitator")

    @property
    def is_consultant(self) -> bool:
        """A facilitator of the programme's workspace: every figure a facilitator may see
        (response rates of hidden groups among them), the settings, the log."""
        return self.role == "facilitator"

    @property
    def sees_names(self) -> bool:
        """Participant names and the owners of team-plan actions."""
        if self.role == "facilitator":
            return True
        if self.role == "cofacilitator":
            return self.programme.workspace.cofacilitators_see_names
        return False

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


def get_programme_for_workspace(user: User, programme_id: int) -> Programme:
    """A programme of one of the user's workspaces, or 404: its settings, units, log,
    export and deletion are the consultancy's alone."""
    if not user.is_authenticated:
        raise Http404
    if not user.is_active:
        raise Http404
    try:
        programme = (
            Programme.objects.select_related("workspace").for_facilitator(user).get(pk=programme_id)
        )
    except Programme.DoesNotExist:
        raise Http404 from None
    programme.runs_as_member = True
    _remember(user, ProgrammeAccess(programme, "facilitator"))
    return programme


def get_programme_for_facilitator(user: User, programme_id: int) -> Programme:
    """A programme the user runs (their workspace's, or one they co-facilitate), or 404."""
    if not user.is_authenticated:
        raise Http404
    if not user.is_active:
        raise Http404
    try:
        programme = Programme.objects.select_related("workspace").run_by(user).get(pk=programme_id)
    except Programme.DoesNotExist:
        raise Http404 from None
    _remember(user, access_to_run(programme))
    return programme


def get_facilitator_access(user: User, programme_id: int) -> ProgrammeAccess:
    """A running facilitator's access in its true role, or 404 for a manager or outsider."""
    access = get_programme_access(user, programme_id)
    if not access.is_facilitator:
        raise Http404
    return access


def get_programme_for_names(user: User, programme_id: int) -> Programme:
    """The participant list's programme: for its facilitators, and for a co-facilitator
    when the workspace lets co-facilitators see names; else 404."""
    access = get_facilitator_access(user, programme_id)
    if not access.sees_names:
        raise Http404
    return access.programme


def get_programme_for_people(user: User, programme_id: int) -> Programme:
    """Who has access to the programme: its workspace's facilitators manage it, and its
    co-facilitators do once it has been handed over to the client; else 404."""
    access = get_facilitator_access(user, programme_id)
    if access.role == "cofacilitator" and access.programme.handed_over_at is None:
        raise Http404
    return access.programme


def _remember(user: User, access: ProgrammeAccess) -> ProgrammeAccess:
    """Keep the access found for this request's user, so the page's menu need not ask again
    (`remembered`). It lives on the user object, which lives as long as the request."""
    user.__dict__.setdefault("_programme_access", {})[access.programme.pk] = access
    return access


def remembered(user: User, programme_id: int) -> ProgrammeAccess | None:
    """The access an access getter found for this user and programme in this request."""
    return user.__dict__.get("_programme_access", {}).get(programme_id)


def access_to_run(programme: Programme) -> ProgrammeAccess | None:
    """The access a programme fetched by one of the getters above carries (no query), or
    None for a programme fetched another way."""
    member = getattr(programme, "runs_as_member", None)
    if member is None:
        return None
    return ProgrammeAccess(programme, "facilitator" if member else "cofacilitator")


def get_programme_access(user: User, programme_id: int) -> ProgrammeAccess:
    """Access for a facilitator of the workspace, a co-facilitator or a manager, or 404."""
    if not user.is_authenticated:
        raise Http404
    if not user.is_active:
        raise Http404
    programme = Programme.objects.select_related("workspace").filter(pk=programme_id).first()
    if programme is None:
        raise Http404
    if programme.workspace.memberships.filter(user=user).exists():
        return _remember(user, ProgrammeAccess(programme, "facilitator"))
    manager = (
        ProgrammeManager.objects.select_related("unit")
        .filter(programme=programme, user=user)
        .first()
    )
    if manager is None:
        raise Http404
    if manager.role == ClientRole.COFACILITATOR:
        return _remember(user, ProgrammeAccess(programme, "cofacilitator"))
    return _remember(user, ProgrammeAccess(programme, "manager", manager.unit))


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
