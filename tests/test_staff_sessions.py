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


# --- The warning before the end, and "stay logged in" (WCAG 2.2.1) -----------------------


@pytest.mark.django_db
def test_staff_pages_carry_the_warning_with_the_seconds_left(cast, settings, client):
    settings.STAFF_IDLE_SECONDS = 1800
    settings.STAFF_IDLE_WARNING_SECONDS = 300
    staff = signed_in(cast.facilitator)
    shift(staff, seen=1000)  # the page counts as activity: the clock starts again
    html = staff.get(reverse("home")).text
    assert 'id="session-timeout"' in html and "js/session-timeout.js" in html
    left = int(html.split('data-left="')[1].split('"')[0])
    assert 1795 <= left <= 1800
    assert 'data-warn="300"' in html and 'data-idle="1800"' in html
    assert 'id="session-timeout"' not in client.get(reverse("join")).text  # phones: none


@pytest.mark.django_db
def test_asking_how_long_is_left_does_not_extend_the_session(cast):
    client = signed_in(cast.facilitator)
    shift(client, seen=1500)
    before = client.session[Staff.SEEN]
    answer = client.get(reverse("account_session"))
    assert answer.status_code == 200
    assert 295 <= answer.json()["left"] <= 300
    assert client.session[Staff.SEEN] == before  # no activity
    shift(client, seen=30 * 60 + 5)
    ended = client.get(reverse("account_session"))
    assert ended.status_code == 302 and ended["Location"].endswith("?ended=idle")


@pytest.mark.django_db
def test_the_session_left_counts_the_twelve_hour_limit(cast):
    client = signed_in(cast.facilitator)
    shift(client, since=12 * 3600 - 100, seen=10)
    assert 95 <= client.get(reverse("account_session")).json()["left"] <= 100


@pytest.mark.django_db
def test_stay_logged_in_starts_the_idle_clock_again(cast):
    client = signed_in(cast.facilitator)
    shift(client, seen=1700)
    answer = client.post(reverse("account_session_keep"), HTTP_ACCEPT="application/json")
    assert answer.status_code == 200 and answer.json()["left"] >= 1795
    assert client.session[Staff.SEEN] >= int(time.time()) - 2
    shift(client, seen=1700)  # without JavaScript: the form, back to the page it was on
    back = client.post(reverse("account_session_keep"), {"next": "/programmes/1/"})
    assert back.status_code == 302 and back["Location"] == "/programmes/1/"
    elsewhere = client.post(reverse("account_session_keep"), {"next": "https://evil.example/"})
    assert elsewhere["Location"] == "/"
    assert client.get(reverse("account_session")).json()["left"] >= 1795


@pytest.mark.django_db
def test_a_phone_has_no_staff_session_to_ask_about_or_keep(client):
    assert client.get(reverse("account_session")).status_code == 302  # to the login page
    assert client.post(reverse("account_session_keep")).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, texts",
    [
        ("da", ["Vil du forblive logget ind?", "Forbliv logget ind", "Du er blevet logget ud"]),
        ("sv", ["Vill du fortsätta vara inloggad?", "Förbli inloggad", "Du har loggats ut"]),
        ("en", ["Do you want to stay logged in?", "Stay logged in", "You have been logged out"]),
    ],
)
def test_the_warning_speaks_the_pages_language(cast, settings, language, texts):
    settings.LANGUAGE_CODE = language
    staff = signed_in(cast.facilitator)
    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = staff.get(reverse("home")).text
    dialog = html[html.index('id="session-timeout"') :]
    for text in texts:
        assert text in dialog, (language, text)
