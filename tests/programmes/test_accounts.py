"""Login and logout (allauth's, username or e-mail), password change and reset (Django's),
in our templates."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD


@pytest.mark.django_db
def test_login_and_logout(client, cast):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    response = client.post(
        reverse("login"), {"login": cast.facilitator.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_wrong_password_is_refused(client, cast):
    response = client.post(
        reverse("login"), {"login": cast.facilitator.username, "password": "wrong"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_with_the_e_mail_address_in_any_case(client, cast):
    response = client.post(
        reverse("login"), {"login": cast.facilitator.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(cast.facilitator.pk)


@pytest.mark.django_db
def test_login_returns_to_the_page_asked_for(client, cast):
    url = reverse("programme_detail", args=[cast.programme.pk])
    response = client.get(url)
    assert response.url == f"{reverse('login')}?next={url}"
    response = client.post(
        response.url, {"login": cast.facilitator.username, "password": PASSWORD, "next": url}
    )
    assert response.url == url


@pytest.mark.django_db
def test_login_page_and_its_neighbours_are_ours(client, cast):
    """No sign-up (invitations only); allauth's password pages lead to Django's; the login
    keeps a new session key; logout deletes the server-side session."""
    assert client.get("/accounts/signup/").status_code == 404
    assert client.get("/accounts/password/reset/").url == reverse("password_reset")
    client.get(reverse("login"))
    before = client.cookies["sessionid"].value if "sessionid" in client.cookies else None
    client.post(reverse("login"), {"login": cast.facilitator.username, "password": PASSWORD})
    key = client.session.session_key
    assert key and key != before
    assert client.get("/accounts/password/change/").url == reverse("password_change")
    assert client.get("/accounts/email/").url == reverse("mfa_index")
    client.post(reverse("logout"))
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=key).exists()


@pytest.mark.django_db
def test_password_reset_round_trip(client, cast, mailoutbox):
    client.post(reverse("password_reset"), {"email": cast.facilitator.email})
    assert len(mailoutbox) == 1
    link = next(line for line in mailoutbox[0].body.splitlines() if "/reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    assert response.status_code == 200
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "brand-new-passphrase-9", "new_password2": "brand-new-passphrase-9"},
    )
    assert response.status_code == 302
    cast.facilitator.refresh_from_db()
    assert cast.facilitator.check_password("brand-new-passphrase-9")


@pytest.mark.django_db
def test_password_change(client, cast):
    client.force_login(cast.facilitator)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-good-passphrase",
            "new_password2": "another-good-passphrase",
        },
    )
    assert response.status_code == 302
    cast.facilitator.refresh_from_db()
    assert cast.facilitator.check_password("another-good-passphrase")
