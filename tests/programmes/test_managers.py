"""Inviting, accepting and revoking client managers."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from programmes.models import AuditEntry, ManagerInvitation, ProgrammeManager, User


def invite(client, cast, email="boss@skovby.dk", unit=""):
    client.force_login(cast.facilitator)
    return client.post(
        reverse("managers", args=[cast.programme.pk]), {"email": email, "unit": unit}
    )


def accept_url(mail) -> str:
    return "/invitations/" + mail.body.split("/invitations/")[1].split("/")[0] + "/"


def open_link(client, link: str) -> str:
    """Follow the e-mailed link: its token goes into the session, the page has none."""
    response = client.get(link)
    assert response.status_code == 302
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Location"] == reverse("manager_invitation_continue")
    return response["Location"]


@pytest.mark.django_db
def test_invite_new_manager_who_sets_a_password(client, cast, mailoutbox):
    response = invite(client, cast, unit=cast.units["North"].pk)
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    url = accept_url(mailoutbox[0])
    invitation = ManagerInvitation.objects.get(email="boss@skovby.dk")
    assert invitation.token_hash not in mailoutbox[0].body
    client.logout()
    link, url = url, open_link(client, url)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "first_name": "Birgit",
            "last_name": "Holm",
            "new_password1": "a-long-enough-passphrase",
            "new_password2": "a-long-enough-passphrase",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="boss@skovby.dk")
    manager = ProgrammeManager.objects.get(user=user)
    assert manager.unit == cast.units["North"]
    assert client.get(reverse("programme_detail", args=[cast.programme.pk])).status_code == 200
    # The link is used up.
    client.logout()
    assert client.get(link).status_code == 404
    assert client.get(url).status_code == 404
    actions = AuditEntry.objects.filter(programme_id=cast.programme.pk).order_by("pk")
    assert list(actions.values_list("action", "role")) == [
        ("manager.invite", "facilitator"),
        ("manager.accept", "manager"),
    ]


@pytest.mark.django_db
def test_weak_password_is_refused_and_nothing_created(client, cast, mailoutbox):
    invite(client, cast)
    client.logout()
    url = open_link(client, accept_url(mailoutbox[0]))
    response = client.post(
        url,
        {"first_name": "A", "last_name": "B", "new_password1": "123", "new_password2": "123"},
    )
    assert response.status_code == 422
    assert not User.objects.filter(email="boss@skovby.dk").exists()


@pytest.mark.django_db
def test_an_empty_form_is_refused_with_a_message(client, cast, mailoutbox):
    """An empty POST is a form with nothing in it, not a first visit: 422 and what is
    missing. (It showed the blank form again at 200, saying nothing.)"""
    invite(client, cast)
    client.logout()
    url = open_link(client, accept_url(mailoutbox[0]))
    response = client.post(url)
    assert response.status_code == 422
    assert "errorlist" in response.content.decode()
    assert not User.objects.filter(email="boss@skovby.dk").exists()


@pytest.mark.django_db
def test_existing_user_must_log_in_to_accept(client, cast, mailoutbox):
    invite(client, cast, email=cast.nobody.email)
    client.logout()
    url = open_link(client, accept_url(mailoutbox[0]))
    page = client.get(url).content.decode()
    assert "Log in" in page
    assert client.post(url).status_code == 200  # shows the login prompt, accepts nothing
    assert not ProgrammeManager.objects.filter(user=cast.nobody).exists()
    client.force_login(cast.nobody)
    assert client.post(url).status_code == 302
    assert ProgrammeManager.objects.filter(user=cast.nobody, programme=cast.programme).exists()


@pytest.mark.django_db
def test_someone_else_signed_in_cannot_accept(client, cast, mailoutbox):
    invite(client, cast, email=cast.nobody.email)
    client.force_login(cast.outsider)
    client.post(open_link(client, accept_url(mailoutbox[0])))
    assert not ProgrammeManager.objects.filter(
        programme=cast.programme, user=cast.outsider
    ).exists()


@pytest.mark.django_db
def test_expired_and_unknown_invitations_are_404(client, cast, mailoutbox):
    invite(client, cast)
    url = accept_url(mailoutbox[0])
    client.logout()
    page = open_link(client, url)
    ManagerInvitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(page).status_code == 404  # expired after the link was opened
    assert client.get(url).status_code == 404
    assert client.get("/invitations/not-a-token/").status_code == 404


@pytest.mark.django_db
def test_inviting_an_existing_manager_is_refused(client, cast, mailoutbox):
    response = invite(client, cast, email=cast.manager.email)
    assert response.status_code == 422
    assert mailoutbox == []


@pytest.mark.django_db
def test_revoke_manager_and_withdraw_invitation(client, cast, mailoutbox):
    invite(client, cast)
    invitation = ManagerInvitation.objects.get()
    client.post(reverse("invitation_cancel", args=[cast.programme.pk, invitation.pk]))
    assert not ManagerInvitation.objects.exists()
    manager = ProgrammeManager.objects.get(user=cast.manager)
    client.post(reverse("manager_revoke", args=[cast.programme.pk, manager.pk]))
    assert not ProgrammeManager.objects.filter(pk=manager.pk).exists()
    # The account was there for this programme alone, so it went with the access.
    assert not User.objects.filter(pk=cast.manager.pk).exists()


@pytest.mark.django_db
def test_manager_page_shows_no_participant_data(client, cast):
    client.force_login(cast.manager)
    html = client.get(reverse("programme_detail", args=[cast.programme.pk])).content.decode()
    for participant in cast.programme.participants.all():
        assert participant.name not in html
        assert participant.email not in html


@pytest.mark.django_db
def test_limited_manager_sees_only_their_subtree_units(client, cast):
    client.force_login(cast.limited_manager)
    html = client.get(reverse("programme_detail", args=[cast.programme.pk])).content.decode()
    assert "North Day" in html
    assert "South" not in html


@pytest.mark.django_db
def test_deactivated_manager_loses_access(client, cast):
    client.force_login(cast.manager)
    cast.manager.is_active = False
    cast.manager.save()
    response = client.get(reverse("programme_detail", args=[cast.programme.pk]))
    assert response.status_code in (302, 404)
