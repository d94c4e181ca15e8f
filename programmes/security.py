"""Security events as one JSON record each, on the `security` logger (QUALITY L-2).

Each record holds the UTC time, the event's name, the request id (the same as in the access
log and on error pages), the user's id (never a typed name: a mistyped password is often
typed into the user name field), the client address as the rate limits see it and the path
with its secrets masked (`programmes.logs.mask`). JSON escapes line breaks, so a user name
with a newline cannot forge a second record. No answer, post or plan text is ever passed.
"""

from __future__ import annotations

import datetime
import json
import logging

from django.http import HttpRequest

logger = logging.getLogger("security")


def event(request: HttpRequest | None, name: str, *, user_id: int | None = None, **fields) -> str:
    """Log one security event; returns the JSON written (for tests and callers that echo)."""
    from programmes.logs import mask
    from programmes.ratelimit import client_ip

    record: dict = {
        "time": datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds"),
        "event": name,
    }
    if request is not None:
        user = getattr(request, "user", None)
        if user_id is None and user is not None and user.is_authenticated:
            user_id = user.pk
        record["request_id"] = getattr(request, "request_id", "")
        record["ip"] = client_ip(request)
        record["method"] = request.method
        record["path"] = mask(request.path)
    record["user_id"] = user_id
    record.update({key: value for key, value in fields.items() if value is not None})
    line = json.dumps(record, ensure_ascii=True, default=str)
    logger.log(logging.WARNING if name in WARNINGS else logging.INFO, line)
    return line


# Events an operator should see at the default log level.
WARNINGS = frozenset({"login_failed", "login_locked", "csrf_failure", "access_denied"})
