"""QUALITY L-2: security events are one JSON record each, in UTC, with what was typed into the
login box never written as it was, and a newline in it kept on one line."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from programmes import security_log
from programmes.logs import JsonFormatter
from tests.factories import PASSWORD


def security_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "security"]


def formatted(record: logging.LogRecord) -> str:
    return JsonFormatter().format(record)


def test_the_security_logger_writes_json_lines():
    config = settings.LOGGING
    logger = config["loggers"]["security"]
    handler = config["handlers"][logger["handlers"][0]]
    assert config["formatters"][handler["formatter"]]["()"] == ("programmes.logs.JsonFormatter")
    assert logger["propagate"] is False


@pytest.mark.django_db
def test_a_failed_login_is_one_line_without_what_was_typed(client, cast, caplog):
    typed = 'fac\n{"event": "login.success", "user_id": 1}'
    password = "my-secret-passphrase"
    with caplog.at_level(logging.INFO, logger="security"):
        response = client.post(reverse("login"), {"login": typed, "password": password})
    assert response.status_code == 200
    (record,) = security_records(caplog)
    line = formatted(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["event"] == "login.failure"
    assert data["user_id"] is None
    assert data["login_length"] == len(typed)
    assert data["login_hash"] == security_log.login_hash(typed)
    assert "fac" not in line.replace('"logger"', "")
    assert password not in line
    assert data["ip"] == "127.0.0.1"
    assert data["path"] == reverse("login")
    assert data["time"].endswith("Z")
    assert data["level"] == "WARNING"


@pytest.mark.django_db
def test_the_same_typo_hashes_alike_and_the_account_is_named_by_its_id(client, cast, caplog):
    with caplog.at_level(logging.INFO, logger="security"):
        client.post(reverse("login"), {"login": "FAC ", "password": "wrong-1"})
        client.post(reverse("login"), {"login": "fac", "password": "wrong-2"})
    first, second = (r.security for r in security_records(caplog))
    assert first["login_hash"] == second["login_hash"]
    assert second["user_id"] == cast.facilitator.pk


@pytest.mark.django_db
def test_a_login_is_logged_once_with_its_request_id(cast, caplog):
    client = Client()
    with caplog.at_level(logging.INFO, logger="security"):
        response = client.post(
            reverse("login"), {"login": cast.facilitator.username, "password": PASSWORD}
        )
    (record,) = security_records(caplog)
    data = json.loads(formatted(record))
    assert data["event"] == "login.success"
    assert data["user_id"] == cast.facilitator.pk
    assert data["request_id"] == response["X-Request-ID"]
    assert data["level"] == "INFO"


@pytest.mark.django_db
def test_the_configured_handler_prints_one_json_line(cast):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("security")
    logger.addHandler(handler)
    try:
        Client().post(reverse("login"), {"login": "a\r\nb\u2028c", "password": "x"})
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["event"] == "login.failure"


@pytest.mark.django_db
def test_an_ordinary_record_on_the_security_logger_is_json_too():
    record = logging.LogRecord("security", logging.INFO, __file__, 1, "plain\nmessage", (), None)
    assert json.loads(formatted(record))["message"] == "plain\nmessage"
    assert "\n" not in formatted(record)


@pytest.mark.django_db
def test_another_workspaces_programme_is_a_logged_denial(client, cast, caplog):
    client.force_login(cast.outsider)
    url = reverse("programme_detail", args=[cast.programme.pk])
    with caplog.at_level(logging.INFO, logger="security"):
        assert client.get(url).status_code == 404
        assert client.get("/no-such-page/").status_code == 404  # no route: not a denial
    (record,) = security_records(caplog)
    assert record.security["event"] == "access.denied"
    assert record.security["user_id"] == cast.outsider.pk
    assert record.security["path"] == url


@pytest.mark.django_db
def test_a_csrf_failure_is_logged(cast, caplog):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.facilitator)
    with caplog.at_level(logging.INFO, logger="security"):
        response = client.post(reverse("units", args=[cast.programme.pk]), {"name": "X"})
    assert response.status_code == 403
    (record,) = security_records(caplog)
    assert record.security["event"] == "csrf.failure"
    assert record.security["user_id"] == cast.facilitator.pk


@pytest.mark.django_db
def test_allauths_own_rate_limit_answers_our_429_and_is_logged(client, settings, caplog):
    settings.ACCOUNT_RATE_LIMITS = {"login": "2/m/ip", "login_failed": "5/15m/key"}
    with caplog.at_level(logging.INFO, logger="security"):
        statuses = [
            client.post(reverse("login"), {"login": f"u{n}", "password": "x"}).status_code
            for n in range(3)
        ]
    assert statuses == [200, 200, 429]
    assert [r.security["event"] for r in security_records(caplog)] == [
        "login.failure",
        "login.failure",
        "rate_limited",
    ]
