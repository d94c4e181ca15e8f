"""No token or room code reaches a log line."""

from __future__ import annotations

import datetime
import io
import logging
import re
import runpy
import uuid
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.core.servers.basehttp import WSGIRequestHandler
from django.urls import URLResolver, get_resolver, path, reverse
from django.utils import timezone
from gunicorn.config import Config

from programmes.logs import AccessLogger, MaskSecrets, is_secret_parameter, mask
from seminars.services import issue_display_token

ROOT = Path(__file__).resolve().parent.parent


def secret_routes(patterns, namespace="", names=(), converters=None):
    """(name, parameter names, converters) of every route with a secret parameter."""
    for entry in patterns:
        joined_names = (*names, *entry.pattern.regex.groupindex)
        joined_converters = {**(converters or {}), **entry.pattern.converters}
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from secret_routes(entry.url_patterns, inner, joined_names, joined_converters)
        elif any(is_secret_parameter(name) for name in joined_names):
            assert entry.name, f"name the route {entry.pattern} so that its log lines are tested"
            yield f"{namespace}{entry.name}", joined_names, joined_converters


def sample(name, names, converters) -> tuple[str, list[str]]:
    """The route reversed with made-up values, and the secret ones among them."""
    values, secrets = {}, []
    for number, parameter in enumerate(names):
        secret = is_secret_parameter(parameter)
        candidates = (
            (f"s3cr3t{number}Value", f"97531{number:04d}", str(uuid.UUID(int=97531 + number)))
            if secret
            else ("7", str(uuid.UUID(int=7)))
        )
        regex = getattr(converters.get(parameter), "regex", "[^/]+")
        values[parameter] = next(value for value in candidates if re.fullmatch(regex, value))
        if secret:
            secrets.append(values[parameter])
    return reverse(name, kwargs=values), secrets


SAMPLES = {
    name: sample(name, names, converters)
    for name, names, converters in secret_routes(get_resolver().url_patterns)
}


@pytest.fixture
def gunicorn_logger(tmp_path):
    """gunicorn's logger as config/gunicorn.py sets it up, the access log written to a file.

    The format adds the redirect's Location to the default one: the masking covers every atom.
    """
    cfg = Config()
    cfg.set("logger_class", runpy.run_path(str(ROOT / "config" / "gunicorn.py"))["logger_class"])
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("access_log_format", cfg.access_log_format + ' "%({location}o)s"')
    logger = cfg.logger_class(cfg)
    assert isinstance(logger, AccessLogger)
    yield logger
    for log in (logger.access_log, logger.error_log):
        for handler in [h for h in log.handlers if getattr(h, "_gunicorn", False)]:
            log.removeHandler(handler)
            handler.close()


def gunicorn_access_line(logger, tmp_path, path, query="", referer="-", location="") -> str:
    """The line gunicorn's access log writes for a GET of path."""
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"{path}?{query}" if query else path,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": referer,
    }
    response = SimpleNamespace(status="302 Found", sent=0, headers=[("Location", location)])
    logger.access(response, SimpleNamespace(headers=[]), environ, datetime.timedelta(0))
    for handler in logger.access_log.handlers:
        handler.flush()
    return (tmp_path / "access.log").read_text(encoding="utf-8").splitlines()[-1]


def runserver_lines(*request_lines: str) -> list[str]:
    """The lines runserver's `django.server` handler writes for these request lines."""
    logger = logging.getLogger("django.server")
    assert not logger.propagate and logger.handlers, "runserver's lines have their own handler"
    handler = logger.handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    server = SimpleNamespace(request=None, log_date_time_string=lambda: "01/Mar/2026 09:00:00")
    try:
        for line in request_lines:
            WSGIRequestHandler.log_message(server, '"%s" %s %s', line, "302", "0")
    finally:
        handler.setStream(previous)
    return stream.getvalue().splitlines()


def test_mask_hides_secret_path_segments():
    assert mask("GET /p/abcDEF123_-x/ HTTP/1.1") == "GET /p/…/ HTTP/1.1"
    assert mask("Not Found: /display/tok3n/live/") == "Not Found: /display/…/live/"
    assert mask("/invitations/xyz/") == "/invitations/…/"
    assert mask("/j/ABC234/") == "/j/…/"
    assert mask("/programmes/3/units/") == "/programmes/3/units/"


def test_mask_hides_the_password_reset_link():
    """Django's reset link, and the address it redirects to, hide the user and the token."""
    line = "GET /accounts/reset/MQ/c5x8ab-0123456789abcdef0123456789abcdef/ HTTP/1.1"
    assert mask(line) == "GET /accounts/reset/…/…/ HTTP/1.1"
    assert mask("/accounts/reset/MQ/set-password/") == "/accounts/reset/…/…/"
    assert mask("/accounts/reset/done/") == "/accounts/reset/done/"


def test_mask_hides_secrets_in_query_strings_and_encoded_paths():
    assert mask("/programmes/3/participants/?q=ann&token=abc&page=2") == (
        "/programmes/3/participants/?q=ann&token=…&page=2"
    )
    assert mask("/j/?code=ABC234") == "/j/?code=…"
    assert mask("/accounts/login/?next=%2Finvitations%2Fxyz%2F") == (
        "/accounts/login/?next=%2Finvitations%2F…"
    )
    assert mask("/p/abc") == "/p/…"


def test_gunicorn_access_log_masks_tokens(gunicorn_logger, tmp_path):
    line = gunicorn_access_line(
        gunicorn_logger,
        tmp_path,
        "/p/secret-token-value/",
        referer="https://x/display/another-secret/",
        location="/accounts/reset/MQ/set-password/",
    )
    assert '"GET /p/…/ HTTP/1.1" 302' in line
    assert '"https://x/display/…/"' in line
    assert line.endswith('"/accounts/reset/…/…/"')


def test_gunicorn_error_log_masks_tokens(gunicorn_logger, caplog):
    gunicorn_logger.error_log.addHandler(caplog.handler)  # it does not propagate
    try:
        gunicorn_logger.error("Error handling request %s", "/invitations/secret-value/")
    finally:
        gunicorn_logger.error_log.removeHandler(caplog.handler)
    assert caplog.messages == ["Error handling request /invitations/…/"]


def test_the_urlconf_has_the_known_secret_routes():
    """The walk below finds the routes it should, so the tests it drives are not vacuous."""
    assert {
        "participant_link",
        "invitation_accept",
        "display",
        "display_live",
        "join_code",
        "password_reset_confirm",
    } <= set(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_no_secret_of_any_route_reaches_a_log_line(name, gunicorn_logger, tmp_path):
    """Every route of the URLconf with a secret parameter, in each log the app writes."""
    path, secrets = SAMPLES[name]
    url = f"https://capital.example.org{path}"
    encoded = quote(path, safe="")
    expected = path
    for secret in secrets:
        expected = expected.replace(secret, "…")
    assert mask(path) == expected, "only the secret segments are masked"

    for message, args in (
        ("Not Found: %s", (path,)),
        ("Forbidden (Referer checking failed): %s", (f"{url}?page=2",)),
        ("Redirect to %s", (f"/accounts/login/?next={encoded}",)),
    ):
        record = logging.LogRecord("django.request", logging.WARNING, "", 0, message, args, None)
        assert MaskSecrets().filter(record)
        assert not any(secret in record.getMessage() for secret in secrets), record.getMessage()

    access = gunicorn_access_line(
        gunicorn_logger, tmp_path, path, query="page=2", referer=url, location=url
    )
    assert not any(secret in access for secret in secrets), access
    assert expected in access

    lines = runserver_lines(f"GET {path} HTTP/1.1", f"GET {path}?page=2 HTTP/1.1")
    assert lines[0] == f'[01/Mar/2026 09:00:00] "GET {expected} HTTP/1.1" 302 0'
    assert not any(secret in "\n".join(lines) for secret in secrets), lines


def test_an_unreadable_urlconf_masks_every_segment(monkeypatch):
    """A log call never fails, and never leaks, while the URLconf is broken."""

    def broken(resolver):
        raise ImportError("config.urls")

    monkeypatch.setattr("programmes.logs.patterns_for", broken)
    assert mask("Internal Server Error: /p/abc/") == "Internal Server Error: /…/…/"


class GiftRoutes:
    """A URLconf with a token route that programmes/logs.py has never heard of."""

    urlpatterns = [path("gifts/<int:pk>/claim/<str:gift_token>/", lambda request: None)]


def test_a_new_token_route_is_masked_as_it_is_added(settings):
    settings.ROOT_URLCONF = GiftRoutes
    assert mask("GET /gifts/3/claim/abcDEF/ HTTP/1.1") == "GET /gifts/3/claim/…/ HTTP/1.1"


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
    paths = ("/p/secret-token-value/", "/j/ROOMCODE/", "/display/another-secret/live/")
    lines = runserver_lines(*(f"GET {path} HTTP/1.1" for path in paths))
    assert len(lines) == 3
    assert lines[0] == '[01/Mar/2026 09:00:00] "GET /p/…/ HTTP/1.1" 302 0'
    assert not any(secret in "\n".join(lines) for secret in ("secret", "ROOMCODE"))


@pytest.mark.parametrize("name", ["django.request", "django.security.csrf", "django.server"])
def test_every_handler_of_djangos_loggers_masks(name):
    logger, handlers = logging.getLogger(name), []
    while logger is not None:
        handlers += logger.handlers
        logger = logger.parent if logger.propagate else None
    ours = [h for h in handlers if not type(h).__module__.startswith("_pytest")]
    assert ours
    assert all(any(isinstance(f, MaskSecrets) for f in h.filters) for h in ours), ours
