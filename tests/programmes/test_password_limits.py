"""Limits on Django's password reset and change (programmes/passwords.py), shared across
workers like every counter: the login's lock does not reach these views."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from programmes import passwords
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_reset_mails_to_one_address_stop_at_the_limit_on_the_same_page(client, cast, mailoutbox):
    cast.facilitator.email = "lene@trivsel.example"
    cast.facilitator.save()
    answers = [
        client.post(
            reverse("password_reset"), {"email": "Lene@trivsel.example"}, REMOTE_ADDR=f"10.0.0.{n}"
        )
        for n in range(passwords.RESET_MAILS_PER_ADDRESS + 3)
    ]
    # Every request gets the same answer; only the first few send an e-mail.
    assert {a.status_code for a in answers} == {302}
    assert {a["Location"] for a in answers} == {reverse("password_reset_done")}
    assert len(mailoutbox) == passwords.RESET_MAILS_PER_ADDRESS


@pytest.mark.django_db
def test_one_address_asking_too_often_gets_429(client, cast, caplog):
    statuses = [
        client.post(reverse("password_reset"), {"email": f"x{n}@example.org"}).status_code
        for n in range(passwords.RESET_REQUESTS_PER_IP + 1)
    ]
    assert statuses[:-1] == [302] * passwords.RESET_REQUESTS_PER_IP
    assert statuses[-1] == 429
    events = [r.security["event"] for r in caplog.records if hasattr(r, "security")]
    assert events.count("rate_limited") == 1


@pytest.mark.django_db
def test_guessing_the_current_password_is_stopped(client, cast, caplog):
    client.force_login(cast.facilitator)
    url = reverse("password_change")
    new = "a-fresh-long-passphrase"
    for _ in range(passwords.CHANGE_FAILURES):
        wrong = {"old_password": "guess", "new_password1": new, "new_password2": new}
        assert client.post(url, wrong).status_code == 200  # the form, with its error
    right = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    response = client.post(url, right)
    assert response.status_code == 429
    cast.facilitator.refresh_from_db()
    assert cast.facilitator.check_password(PASSWORD)
    events = [r.security["event"] for r in caplog.records if hasattr(r, "security")]
    assert events.count("login.failure") == passwords.CHANGE_FAILURES
    assert events.count("login.locked") == 1


@pytest.mark.django_db
def test_a_right_password_changes_it(client, cast):
    client.force_login(cast.facilitator)
    new = "a-fresh-long-passphrase"
    data = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    response = client.post(reverse("password_change"), data)
    assert response.status_code == 302
    cast.facilitator.refresh_from_db()
    assert cast.facilitator.check_password(new)
