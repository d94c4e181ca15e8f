"""A workspace runs itself: its owner invites facilitators by e-mail, removes them (their
sessions end at once), hands ownership on and reads the log; no admin needed."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from programmes.models import AuditEntry, Membership, User, Workspace, WorkspaceInvitation


def owner_of(cast) -> Client:
    client = Client()
    client.force_login(cast.facilitator)
    return client


def invite(cast, email: str) -> Client:
    client = owner_of(cast)
    response = client.post(
        reverse("workspace_invite", args=[cast.programme.workspace_id]), {"email": email}
    )
    assert response.status_code == 302, response.content[:500]
    return client


def link_in(mail) -> str:
    return (
        "/workspace-invitations/"
        + mail.body.split("/workspace-invitations/")[1].split("/")[0]
        + "/"
    )


def open_link(client: Client, link: str) -> str:
    response = client.get(link)
    assert response.status_code == 302
    assert response["Referrer-Policy"] == "no-referrer"
    assert "workspace-invitations/accept/" in response["Location"]  # no token in it
    return response["Location"]


NEW_ACCOUNT = {
    "first_name": "Sanna",
    "last_name": "Lind",
    "new_password1": "a long enough passphrase",
    "new_password2": "a long enough passphrase",
}


@pytest.mark.django_db
def test_an_invited_facilitator_creates_an_account_and_shares_the_programmes(cast, mailoutbox):
    invite(cast, "sanna@konsult.se")
    assert len(mailoutbox) == 1
    link = link_in(mailoutbox[0])
    newcomer = Client()
    page = open_link(newcomer, link)
    assert "Join “Trivsel ApS”" in newcomer.get(page).text
    response = newcomer.post(page, NEW_ACCOUNT)
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace", args=[cast.programme.workspace_id])
    user = User.objects.get(email="sanna@konsult.se")
    assert Membership.objects.get(user=user).role == Membership.Role.FACILITATOR
    assert newcomer.get(reverse("programme_detail", args=[cast.programme.pk])).status_code == 200
    # Used once.
    assert Client().get(link).status_code == 404
    assert list(
        AuditEntry.objects.filter(workspace_id=cast.programme.workspace_id)
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["workspace.invite", "workspace.join"]


@pytest.mark.django_db
def test_a_facilitator_of_another_workspace_joins_a_second_one(cast, mailoutbox):
    invite(cast, cast.outsider.email)
    client = Client()
    client.force_login(cast.outsider)
    page = open_link(client, link_in(mailoutbox[0]))
    assert "Accept the invitation" in client.get(page).text
    assert client.post(page).status_code == 302
    assert set(
        Membership.objects.filter(user=cast.outsider).values_list("workspace__name", flat=True)
    ) == {
        "Trivsel ApS",
        "Other Consultancy",
    }
    home = client.get(reverse("home")).text
    assert "Social kapital" in home and "Other programme" in home


@pytest.mark.django_db
def test_bad_invitations_are_refused_clearly(cast, mailoutbox):
    owner = owner_of(cast)
    url = reverse("workspace_invite", args=[cast.programme.workspace_id])
    assert owner.post(url, {"email": "not an address"}).status_code == 422
    member = owner.post(url, {"email": cast.colleague.email})
    assert member.status_code == 422 and "already a member" in member.text
    assert not mailoutbox and not WorkspaceInvitation.objects.exists()
    invite(cast, "late@konsult.dk")
    link = link_in(mailoutbox[0])
    WorkspaceInvitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert Client().get(link).status_code == 404
    assert Client().get("/workspace-invitations/forged-token/").status_code == 404
    assert Client().get(reverse("workspace_invitation_continue")).status_code == 404


@pytest.mark.django_db
def test_the_owner_withdraws_an_invitation(cast, mailoutbox):
    owner = invite(cast, "maybe@konsult.dk")
    invitation = WorkspaceInvitation.objects.get()
    url = reverse("workspace_invitation_cancel", args=[cast.programme.workspace_id, invitation.pk])
    assert owner.post(url).status_code == 302
    assert Client().get(link_in(mailoutbox[0])).status_code == 404


@pytest.mark.django_db
def test_a_removed_facilitator_is_out_at_once(cast):
    colleague = Client()
    colleague.force_login(cast.colleague)
    programme_url = reverse("programme_detail", args=[cast.programme.pk])
    assert colleague.get(programme_url).status_code == 200
    membership = Membership.objects.get(user=cast.colleague, workspace=cast.programme.workspace)
    response = owner_of(cast).post(
        reverse("workspace_member_remove", args=[cast.programme.workspace_id, membership.pk])
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert colleague.get(programme_url).status_code == 302  # the session ended: to the login
    assert not User.objects.filter(pk=cast.colleague.pk).exists()  # in no other workspace
    entry = AuditEntry.objects.get(action="workspace.remove")
    assert entry.object_id == str(cast.colleague.pk)


@pytest.mark.django_db
def test_the_owner_hands_ownership_on_and_cannot_be_removed(cast):
    workspace_id = cast.programme.workspace_id
    owner = owner_of(cast)
    own = Membership.objects.get(user=cast.facilitator, workspace_id=workspace_id)
    refused = owner.post(reverse("workspace_member_remove", args=[workspace_id, own.pk]))
    assert refused.status_code == 409 and "cannot be removed" in refused.text
    colleague = Membership.objects.get(user=cast.colleague, workspace_id=workspace_id)
    assert (
        owner.post(reverse("workspace_owner", args=[workspace_id, colleague.pk])).status_code == 302
    )
    roles = dict(
        Membership.objects.filter(workspace_id=workspace_id).values_list("user__username", "role")
    )
    assert roles == {"fac": "facilitator", "colleague": "owner"}
    # The former owner is a facilitator now: the owner's pages are closed to them.
    assert owner.get(reverse("workspace_audit", args=[workspace_id])).status_code == 403
    assert owner.get(reverse("workspace", args=[workspace_id])).status_code == 200


@pytest.mark.django_db
def test_the_owner_reads_the_workspaces_log(cast):
    owner = owner_of(cast)
    owner.post(reverse("programme_edit", args=[cast.programme.pk]), {})  # a refused edit: no row
    invite(cast, "someone@konsult.dk")
    page = owner.get(reverse("workspace_audit", args=[cast.programme.workspace_id]))
    assert page.status_code == 200
    assert "Facilitator invited to the workspace" in page.text
    assert "someone@konsult.dk" not in page.text  # the log holds ids, not addresses


@pytest.mark.django_db
def test_a_facilitator_starts_a_workspace_and_a_manager_cannot(cast):
    client = Client()
    client.force_login(cast.colleague)
    response = client.post(reverse("workspace_create"), {"name": "Lind & Co"})
    assert response.status_code == 302
    created = Workspace.objects.get(name="Lind & Co")
    assert Membership.objects.get(workspace=created).role == Membership.Role.OWNER
    assert client.post(reverse("workspace_create"), {"name": ""}).status_code == 422
    manager = Client()
    manager.force_login(cast.manager)
    assert manager.get(reverse("workspace_create")).status_code == 403


@pytest.mark.django_db
def test_accounts_that_are_there_for_nothing_go_when_their_last_access_does(cast):
    from programmes.models import ProgrammeManager

    # A facilitator in no other workspace: removed, the account goes.
    membership = Membership.objects.get(user=cast.colleague, workspace=cast.programme.workspace)
    owner_of(cast).post(
        reverse("workspace_member_remove", args=[cast.programme.workspace_id, membership.pk])
    )
    assert not User.objects.filter(pk=cast.colleague.pk).exists()
    # A manager of this programme alone: revoked, the account goes; one who follows another
    # programme keeps theirs.
    ProgrammeManager.objects.create(programme=cast.other_programme, user=cast.limited_manager)
    for user in (cast.manager, cast.limited_manager):
        manager = ProgrammeManager.objects.get(programme=cast.programme, user=user)
        owner_of(cast).post(reverse("manager_revoke", args=[cast.programme.pk, manager.pk]))
    assert not User.objects.filter(pk=cast.manager.pk).exists()
    assert User.objects.filter(pk=cast.limited_manager.pk).exists()


@pytest.mark.django_db
def test_the_owner_asks_managers_for_a_second_factor(cast, settings):
    from programmes import accounts

    workspace_id = cast.programme.workspace_id
    url = reverse("workspace_settings", args=[workspace_id])
    owner = owner_of(cast)
    response = owner.post(url, {"name": "Trivsel ApS", "require_mfa_for_managers": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace", args=[workspace_id])
    settings.MFA_REQUIRED = True  # as in production: now the manager must set one up
    assert accounts.second_factor_required(cast.manager)
    settings.MFA_REQUIRED = False
    assert owner.post(url, {"name": ""}).status_code == 422  # a name is needed
    assert AuditEntry.objects.filter(action="workspace.settings").count() == 1
    colleague = Client()
    colleague.force_login(cast.colleague)
    assert colleague.post(url, {"name": "Taken over"}).status_code == 403
    assert Workspace.objects.get(pk=workspace_id).name == "Trivsel ApS"
