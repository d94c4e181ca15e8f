"""No token or room code reaches a log line."""

from __future__ import annotations

import datetime
import io
import logging
from types import SimpleNamespace

import pytest
from django.core.servers.basehttp import WSGIRequestHandler
from django.urls import reverse
from django.utils import timezone
from gunicorn.config import Config

from programmes.logs import AccessLogger, MaskSecrets, mask
from seminars.services import issue_display_token


def test_mask_hides_secret_path_segments():
    assert mask("GET /p/abcDEF123_-x/ HTTP/1.1") == "GET /p/…/ HTTP/1.1"
    assert mask("Not Found: /display/tok3n/live/") == "Not Found: /display/…/live/"
    assert mask("/invitations/xyz/") == "/invitations/…/"
    assert mask("/j/ABC234/") == "/j/…/"
    assert mask("/programmes/3/units/") == "/programmes/3/units/"


def test_gunicorn_access_log_masks_tokens():
    logger = AccessLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/p/secret-token-value/",
        "PATH_INFO": "/p/secret-token-value/",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://x/display/another-secret/",
    }
    response = SimpleNamespace(status="302 Found", sent=0, headers=[])
    request = SimpleNamespace(headers=[])
    atoms = logger.atoms(response, request, environ, datetime.timedelta(seconds=0))
    assert "secret-token-value" not in atoms["r"] + atoms["U"]
    assert "another-secret" not in atoms["f"]


@pytest.mark.django_db
def test_django_request_log_masks_an_expired_display_token(client, cast, open_round, caplog):
    token = issue_display_token(seminar=open_round.seminar)
    seminar = open_round.seminar
    seminar.refresh_from_db()
    seminar.display_valid_until = timezone.now() - datetime.timedelta(seconds=1)
    seminar.save()
    configured = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, MaskSecrets) for f in h.filters)
    ]
    assert configured, "the console handler masks secrets"
    caplog.handler.addFilter(configured[0].filters[0])
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(reverse("display", args=[token])).status_code == 404
    assert caplog.records, "the 404 is logged"
    assert all(token not in record.getMessage() for record in caplog.records)


def test_runserver_request_log_masks_tokens():
    logger = logging.getLogger("django.server")
    assert not logger.propagate and logger.handlers, "runserver's lines have their own handler"
    handler = logger.handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    server = SimpleNamespace(request=None, log_date_time_string=lambda: "01/Mar/2026 09:00:00")
    try:
        for path in ("/p/secret-token-value/", "/j/ROOMCODE/", "/display/another-secret/live/"):
            WSGIRequestHandler.log_message(server, '"%s" %s %s', f"GET {path} HTTP/1.1", "302", "0")
    finally:
        handler.setStream(previous)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0] == '[01/Mar/2026 09:00:00] "GET /p/…/ HTTP/1.1" 302 0'
    assert not any(secret in stream.getvalue() for secret in ("secret", "ROOMCODE"))


@pytest.mark.parametrize("name", ["django.request", "django.security.csrf", "django.server"])
def test_every_handler_of_djangos_loggers_masks(name):
    logger, handlers = logging.getLogger(name), []
    while logger is not None:
        handlers += logger.handlers
        logger = logger.parent if logger.propagate else None
    ours = [h for h in handlers if not type(h).__module__.startswith("_pytest")]
    assert ours
    assert all(any(isinstance(f, MaskSecrets) for f in h.filters) for h in ours), ours
