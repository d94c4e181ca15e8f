"""Redis that does not answer: a join, a link or a login gets the translated 503, never a 500.

With REDIS_URL set, every server counts failed room codes, link tokens and logins in Redis,
and asks it before each attempt. While Redis refuses connections, or accepts them and never
answers, those requests cannot be checked: they get the same 503 as a database outage
("nothing is lost, try again in a moment"), within REDIS_TIMEOUT, and hold no worker.

The cache is the one config/settings.py builds with REDIS_URL set (read in a fresh
interpreter), pointed at a closed port or at a socket that listens and never answers; the
shared Redis is left alone.

How it was seen to fail: before programmes.errors counted Redis's errors as an outage, each
request here answered 500; without the timeouts in CACHES each request to the silent Redis
waited redis-py's default 5 s (the last test pins the setting).
"""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from surveys import services
from tests.factories import PASSWORD
from tests.test_settings import PRODUCTION, read_settings

PARTICIPANT_TEXT = "What you have answered so far is kept. Go back and send it again in a moment."
BOUND = 10.0  # seconds: a request still running by then is held by Redis


@pytest.fixture(scope="module")
def redis_caches() -> dict:
    """CACHES as production builds them with REDIS_URL set."""
    env = {**PRODUCTION, "REDIS_URL": "redis://127.0.0.1:6379/0"}
    return read_settings(env, ["CACHES"])["CACHES"]


@pytest.fixture(params=["refusing", "silent"])
def redis_down(request, settings, redis_caches) -> Iterator[str]:
    """The app's cache pointed at a Redis that refuses, or that accepts and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    if request.param == "silent":
        listener.listen(64)  # the kernel completes the handshake; nobody ever reads
    else:
        listener.close()  # nothing listens: connection refused
    url = f"redis://127.0.0.1:{port}/0"
    settings.REDIS_URL = url
    settings.CACHES = {"default": {**redis_caches["default"], "LOCATION": url}}
    yield request.param
    listener.close()


class StillWaiting(Exception):
    pass


def bounded(call):
    """call's result, or a failure if it is still running after BOUND (an alarm interrupts
    the socket read it waits in; the request runs in this thread, in the test's transaction)."""

    def interrupt(_signum, _frame):
        raise StillWaiting(f"the request was still waiting for Redis after {BOUND} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, BOUND)
    try:
        return call()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def assert_unavailable(response) -> str:
    """The 503 page, with no trace of Redis; its text."""
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode().replace("&#x27;", "'")
    assert gettext("Not available just now") in page
    assert "Traceback" not in page
    assert "redis" not in page.lower()
    return page


@pytest.mark.django_db
def test_a_phone_joining_or_opening_a_link_gets_the_503_page(redis_down, cast, open_round, caplog):
    phone = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="da")
    code = services.room_code(open_round)
    with caplog.at_level(logging.WARNING, logger="programmes.errors"):
        right = bounded(lambda: phone.get(reverse("join_code", args=[code])))
        wrong = bounded(lambda: phone.get(reverse("join_code", args=["ZZZZZZ"])))
        link = bounded(lambda: phone.get(reverse("participant_link", args=["x" * 43])))
    with translation.override("da"):
        for response in (right, wrong, link):
            page = assert_unavailable(response)
            assert gettext(PARTICIPANT_TEXT) in page
            assert '<html lang="da">' in page
    warnings = [r.getMessage() for r in caplog.records if r.name == "programmes.errors"]
    assert len(warnings) == 3
    assert all(w.startswith("cache unavailable:") for w in warnings)
    assert all("x" * 43 not in w and code not in w for w in warnings)  # paths are masked


@pytest.mark.django_db
def test_a_login_gets_the_503_page_and_nobody_is_logged_in(redis_down, cast):
    client = Client(raise_request_exception=False)
    form = {"login": cast.facilitator.username, "password": PASSWORD}
    response = bounded(lambda: client.post(reverse("login"), form))
    assert_unavailable(response)
    assert "_auth_user_id" not in client.session


def test_the_production_cache_waits_for_redis_one_second(redis_caches):
    options = redis_caches["default"]["OPTIONS"]
    assert options == {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
