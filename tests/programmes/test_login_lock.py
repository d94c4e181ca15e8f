"""QUALITY AC-4: five failed logins for one account from one address in 15 minutes lock that
pair (429), counted in the shared cache; every success, failure and refusal logged once."""

from __future__ import annotations

import logging
import time

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.urls import reverse

from programmes import security_log
from tests.factories import PASSWORD

HERE = "203.0.113.7"
ELSEWHERE = "198.51.100.9"


def attempt(client, login: str, password: str, ip: str = HERE, **headers):
    return client.post(
        reverse("login"), {"login": login, "password": password}, REMOTE_ADDR=ip, **headers
    )


def events(caplog) -> list[str]:
    return [r.security["event"] for r in caplog.records if r.name == "security"]


@pytest.mark.django_db
def test_ten_attempts_lock_the_account_at_this_address_only(client, cast, caplog):
    user = cast.facilitator
    statuses = []
    with caplog.at_level(logging.INFO, logger="security"):
        for number in range(10):
            # The 8th attempt has the right password: refused all the same while locked.
            password = PASSWORD if number == 7 else f"wrong-{number}"
            statuses.append(attempt(client, user.username, password).status_code)
    assert statuses == [200] * 5 + [429] * 5
    assert "_auth_user_id" not in client.session
    assert events(caplog) == [security_log.LOGIN_FAILURE] * 5 + [security_log.LOGIN_LOCKED] * 5
    records = [r.security for r in caplog.records if r.name == "security"]
    assert {r["user_id"] for r in records} == {user.pk}
    assert {r["ip"] for r in records} == {HERE}

    # The account typed as its e-mail is the same account: locked here as well.
    assert attempt(client, user.email, PASSWORD).status_code == 429
    # Another address is not locked: the owner logs in there.
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="security"):
        response = attempt(client, user.username, PASSWORD, ip=ELSEWHERE)
    assert response.status_code == 302
    assert events(caplog) == [security_log.LOGIN_SUCCESS]
    # Another account at the locked address is not locked either.
    other = cast.colleague
    assert attempt(client.__class__(), other.username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_lock_page_is_translated_and_says_what_to_do(client, cast):
    for number in range(5):
        attempt(client, "fac", f"wrong-{number}")
    response = attempt(client, "fac", "wrong", HTTP_ACCEPT_LANGUAGE="da")
    assert response.status_code == 429
    html = response.content.decode()
    assert '<html lang="da">' in html
    english = attempt(client, "fac", "wrong").content.decode()
    assert "15 minutes" in english
    assert "password" in english


@pytest.mark.django_db
def test_the_lock_lifts_after_15_minutes(client, cast, monkeypatch):
    for number in range(5):
        attempt(client, "fac", f"wrong-{number}")
    assert attempt(client, "fac", PASSWORD).status_code == 429
    later = time.time() + 15 * 60 + 1
    monkeypatch.setattr("allauth.core.internal.ratelimit.time.time", lambda: later)
    assert attempt(client, "fac", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_an_unknown_account_is_locked_as_well(client, cast):
    statuses = [attempt(client, "nobody-here", "guess").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


@pytest.mark.django_db
def test_a_success_does_not_reset_the_count(client, cast):
    """A guesser who knows one password cannot interleave it to keep guessing another's."""
    for number in range(4):
        attempt(client, "fac", f"wrong-{number}")
    assert attempt(client, "fac", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert attempt(client, "fac", "wrong-again").status_code == 200
    assert attempt(client, "fac", PASSWORD).status_code == 429


def test_the_cache_is_shared_by_every_worker(settings):
    """Without REDIS_URL the cache is the database's table, never one process's memory."""
    assert not settings.REDIS_URL
    assert isinstance(caches["default"], DatabaseCache)


@pytest.mark.django_db
def test_the_cache_table_exists_in_the_test_database():
    cache.set("probe", 1, 10)
    assert cache.get("probe") == 1
