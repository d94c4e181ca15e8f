"""Security events: one structured record each, through the `security` logger, one JSON line.

A log reader (a SIEM, `jq`) needs the same fields on every event, in UTC, and nothing it must
not keep. Each record carries the event's name, the account's id when one is known, the client
address (`ratelimit.client_ip`, so behind a proxy it is the visitor's), the request id that the
page and the X-Request-ID header show, and the path with its secrets masked as in every other
log line (`programmes.logs.mask`).

What a person typed into the login box is never written as it was: people type their password
there by mistake. A failed login carries `login_hash`, a keyed hash of the lower-cased text
(the same text gives the same hash, so a run of guesses against one name shows, while the
text cannot be recovered without the server's secret key), and its length.

Settings give the `security` logger `programmes.logs.JsonFormatter`, whose encoder escapes
control characters, so a `\\n` in a username cannot start a forged second line.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from programmes.logs import mask
from programmes.ratelimit import client_ip

logger = logging.getLogger("security")

# Event names, so that tests and readers spell them once.
LOGIN_SUCCESS = "login.success"
LOGIN_FAILURE = "login.failure"
LOGIN_LOCKED = "login.locked"  # an attempt refused because the account and address are locked
MFA_FAILURE = "mfa.failure"
MFA_LOCKED = "mfa.locked"
RATE_LIMITED = "rate_limited"
ACCESS_DENIED = "access.denied"  # a signed-in user's 404 on a route of ours: missing or not theirs
CSRF_FAILURE = "csrf.failure"
SESSION_END = "session.end"  # a staff session ended by the idle or the absolute limit

WARNING_EVENTS = {
    LOGIN_FAILURE,
    LOGIN_LOCKED,
    MFA_FAILURE,
    MFA_LOCKED,
    RATE_LIMITED,
    ACCESS_DENIED,
    CSRF_FAILURE,
}


def login_hash(typed: str) -> str:
    """A keyed hash of what was typed as the login, never the text itself."""
    return salted_hmac("security-log-login", typed.strip().lower()).hexdigest()[:16]


def record(
    request: HttpRequest,
    event: str,
    *,
    user: Any = None,
    typed_login: str | None = None,
    **fields: Any,
) -> None:
    """Write one security event for this request."""
    data: dict[str, Any] = {
        "event": event,
        "user_id": getattr(user, "pk", None),
        "ip": client_ip(request),
        "request_id": getattr(request, "request_id", ""),
        "method": request.method,
        "path": mask(request.path),
    }
    if typed_login is not None:
        data["login_hash"] = login_hash(typed_login)
        data["login_length"] = len(typed_login)
    data.update(fields)
    level = logging.WARNING if event in WARNING_EVENTS else logging.INFO
    logger.log(level, event, extra={"security": data})
