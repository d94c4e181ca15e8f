"""No token or room code reaches a log line."""

from __future__ import annotations

import datetime
import logging
from types import SimpleNamespace

import pytest
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
