"""Translated error pages. The 500 and 503 pages name the request id and nothing else."""

from __future__ import annotations

import logging
import sys

from django.contrib.auth.decorators import login_not_required
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from programmes import security_log

logger = logging.getLogger(__name__)

# What Django raises while the database is down or restarting, and when the connection
# pool has no connection to give within its timeout (psycopg's PoolTimeout).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# What the Redis client raises while Redis (REDIS_URL) does not answer. Every server counts
# failed codes, links and logins there, so a join, a link or a login cannot be checked: it
# gets the same 503 as during a database outage (nothing is lost, try again), not a 500.
CACHE_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
UNAVAILABLE = DATABASE_UNAVAILABLE + CACHE_UNAVAILABLE
RETRY_AFTER_SECONDS = 5


def too_large(request: HttpRequest) -> HttpResponse:
    """413 for a body larger than anything the app takes (programmes.middleware)."""
    response = render(request, "413.html", status=413)
    response["Connection"] = "close"  # the rest of the body is not read
    return response


@login_not_required
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


@login_not_required
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


@login_not_required
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.resolver_match is not None and request.user.is_authenticated:
        # A route of ours, an object it did not give this user: missing and forbidden look
        # alike by design (programmes.access), and both are logged.
        security_log.record(request, security_log.ACCESS_DENIED, user=request.user)
    return render(request, "404.html", status=404)


@login_not_required
def too_many_requests(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A rate limit of allauth's (the staff login pages) refused this request."""
    security_log.record(request, security_log.RATE_LIMITED)
    message = _("Too many attempts from here. Wait a few minutes and try again.")
    return render(request, "429.html", {"message": message, "staff": True}, status=429)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    if isinstance(error := sys.exception(), UNAVAILABLE):
        # Raised by a middleware's session work; a view's reaches DatabaseUnavailableMiddleware.
        return service_unavailable(request, error)
    # Rendered without context processors that might fail again; the request id is
    # the one thing support needs.
    return render(
        request, "500.html", {"request_id": getattr(request, "request_id", "")}, status=500
    )


def service_unavailable(request: HttpRequest, error: Exception) -> HttpResponse:
    """503 while the database (or Redis) does not answer: what was saved is kept; try again
    shortly.

    Rendered without context processors, session or messages, which would ask the
    database again. One warning per request rather than a traceback: the response is
    marked as logged, the marker Django's own request logging honours.
    """
    request_id = getattr(request, "request_id", "")
    cause = error.__cause__ or error  # the driver's own error, e.g. psycopg_pool.PoolTimeout
    logger.warning(
        "%s unavailable: method=%s path=%s request_id=%s error=%s detail=%s",
        "cache" if isinstance(error, CACHE_UNAVAILABLE) else "database",
        request.method,
        request.path,
        request_id,
        type(cause).__name__,
        str(cause).strip().partition("\n")[0][:200],
    )
    match = request.resolver_match
    # The pages open without an account are the phones' pages.
    participant = match is not None and getattr(match.func, "login_required", True) is False
    context = {"request_id": request_id, "participant": participant}
    response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    if request_id:
        response["X-Request-ID"] = request_id
    add_never_cache_headers(response)
    response._has_been_logged = True
    return response


def server_busy(request: HttpRequest, error: Exception) -> HttpResponse:
    """503 while every PDF render slot on this server is taken (`programmes.slots.Busy`):
    nothing is lost; the same link works again in a few seconds."""
    request_id = getattr(request, "request_id", "")
    logger.warning(
        "server busy: method=%s path=%s request_id=%s slots=%s",
        request.method,
        request.path,
        request_id,
        error,
    )
    response = render(request, "503_busy.html", {"request_id": request_id}, status=503)
    response["Retry-After"] = str(getattr(error, "retry_after", RETRY_AFTER_SECONDS))
    add_never_cache_headers(response)
    response._has_been_logged = True
    return response
