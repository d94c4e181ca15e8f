"""Staff sessions (QUALITY AC-5): 30 idle minutes and 12 hours in all, a new key at login, a
logout that deletes the session, and a deactivated user's sessions ended at once for good.
Time is moved by writing the session's own clock values, as the middleware reads them."""

from __future__ import annotations

import logging
import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from programmes.middleware import StaffSessionMiddleware as Staff
from tests.factories import PASSWORD


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    return client


def shift(client: Client, **ago: int) -> None:
    """Move the session's clocks back: since=seconds, seen=seconds."""
    session = client.session
    now = int(time.time())
    if "since" in ago:
        session[Staff.SINCE] = now - ago["since"]
    if "seen" in ago:
        session[Staff.SEEN] = now - ago["seen"]
    session.save()


@pytest.mark.django_db
def test_thirty_idle_minutes_end_the_session(cast, caplog):
    client = signed_in(cast.facilitator)
    shift(client, seen=30 * 60 + 5)
    with caplog.at_level(logging.INFO, logger="security"):
        response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].endswith("?ended=idle")
    assert client.get(reverse("home")).status_code == 302  # still logged out
    page = client.get(response["Location"])
    assert "30 minutes without activity" in page.text
    records = [r.security for r in caplog.records if r.name == "security"]
    assert [(r["event"], r["reason"], r["user_id"]) for r in records] == [
        ("session.end", "idle", cast.facilitator.pk)
    ]


@pytest.mark.django_db
def test_activity_keeps_the_session_but_not_past_twelve_hours(cast):
    client = signed_in(cast.facilitator)
    shift(client, since=11 * 3600, seen=29 * 60)
    assert client.get(reverse("home")).status_code == 200
    assert client.session[Staff.SEEN] >= int(time.time()) - 5  # the clock moved on
    shift(client, since=12 * 3600 + 5, seen=10)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].endswith("?ended=limit")


@pytest.mark.django_db
def test_an_htmx_request_of_an_ended_session_goes_to_the_login_page(cast):
    client = signed_in(cast.facilitator)
    shift(client, seen=3600)
    response = client.get(
        reverse("programme_detail", args=[cast.programme.pk]), HTTP_HX_REQUEST="1"
    )
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("login"))


@pytest.mark.django_db
def test_a_phone_session_is_not_a_staff_session(client):
    session = client.session
    session[Staff.SEEN] = 0  # whatever a phone's session holds, no user: no timeout
    session.save()
    assert client.get(reverse("join")).status_code == 200


@pytest.mark.django_db
def test_login_gives_a_new_key_and_logout_deletes_the_session(cast):
    client = Client()
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    client.force_login(cast.facilitator)
    after = client.session.session_key
    assert after != before
    assert Session.objects.filter(session_key=after).exists()
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=after).exists()


@pytest.mark.django_db
def test_a_deactivated_user_is_out_at_once_and_stays_out_when_reactivated(cast):
    user = cast.facilitator
    phone, laptop = signed_in(user), signed_in(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert phone.get(reverse("home")).status_code == 302
    user.is_active = True
    user.save(update_fields=["is_active"])
    # The session made before the deactivation does not come back to life.
    assert laptop.get(reverse("home")).status_code == 302
    assert signed_in(user)  # a new login works


@pytest.mark.django_db
def test_ending_a_users_sessions_ends_them_on_every_device(cast):
    phone, laptop = signed_in(cast.manager), signed_in(cast.manager)
    cast.manager.end_sessions()
    for client in (phone, laptop):
        assert client.get(reverse("home")).status_code == 302
    other = signed_in(cast.facilitator)  # nobody else is touched
    assert other.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_a_password_change_keeps_the_session_that_made_it(cast):
    client = signed_in(cast.facilitator)
    cast.facilitator.end_sessions()  # the epoch is mixed into the hash from now on
    client.force_login(cast.facilitator)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a new long passphrase 42",
            "new_password2": "a new long passphrase 42",
        },
    )
    assert response.status_code == 302, response.content[:300]
    assert client.get(reverse("home")).status_code == 200
