"""Secrets never reach a log line: they are masked in Django's own log records, in runserver's
request lines (the `django.server` logger) and in gunicorn's access and error logs.

Which parts of a path are secret is read from the URLconf, not listed here: every route
parameter whose name says it carries a secret (`is_secret_parameter`: the personal-link,
display and invitation `token`, the room `code`, the `uidb64` and `token` of Django's password
reset) is masked wherever its route appears in a line: a request line, a full URL, a Referer,
a `?next=` with encoded slashes. A new route with such a parameter is masked without a change
here. Query-string values of parameters with such names are masked too.
"""

from __future__ import annotations

import datetime
import functools
import json
import logging
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.apps import apps
from django.urls import URLResolver, get_resolver
from django.urls.converters import PathConverter
from django.utils.regex_helper import normalize
from gunicorn.glogging import Logger as GunicornLogger

SECRET_NAMES = frozenset({"token", "code", "uidb64", "key", "secret"})
MASKED = "…"

# A path segment in a log line ends at a slash, space, query, fragment, quote or bracket.
SEGMENT = r"[^/\s?#&\"'<>]+"
# The rest of a path, for a secret that may hold slashes (a `path` converter).
REST = r"[^\s?#&\"'<>]+"
# A slash, or the encoded slash of a path carried in a query string (`?next=%2Fp%2F…`).
SLASH = r"(?:/|%2[Ff])"
# Masks every segment, for a URLconf that cannot be read: too much rather than too little.
EVERY_SEGMENT = re.compile(f"({SLASH}){SEGMENT}")
QUERY_PARAMETER = re.compile(r"(?P<before>[?&](?P<name>[^=&?#\s\"']+)=)[^&#\s\"']+")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def is_secret_parameter(name: str) -> bool:
    """`token`, `display_token`, `uidb64`: the name or one of its words is a secret's name."""
    name = name.lower()
    return name in SECRET_NAMES or any(word in SECRET_NAMES for word in name.split("_"))


def mask(text: str) -> str:
    """'/p/abc123/' becomes '/p/…/', '/accounts/reset/MQ/abc-123/' '/accounts/reset/…/…/'."""
    for pattern in secret_paths():
        text = pattern.sub(lambda match: MASKED.join((*match.groups(), "")), text)
    return QUERY_PARAMETER.sub(
        lambda match: match["before"] + MASKED if is_secret_parameter(match["name"]) else match[0],
        text,
    )


def secret_paths() -> tuple[re.Pattern[str], ...]:
    """The patterns that mask the secret segments of the URLconf's routes."""
    if not apps.ready:
        return ()  # Django is not set up yet, so no request, and no path, has been seen
    try:
        return patterns_for(get_resolver())
    except Exception:  # a log call must not fail, not even on a broken URLconf
        return (EVERY_SEGMENT,)


@functools.lru_cache(maxsize=4)
def patterns_for(resolver: URLResolver) -> tuple[re.Pattern[str], ...]:
    """One pattern per route with secrets: the parts to keep in groups, each followed by a secret.

    Each route's regex is turned back into a format string ('reset/%(uidb64)s/%(token)s/')
    by the helper Django's reverse() uses. A pattern ends at the route's last secret, so a path
    followed by more ('/display/…/live/') or without its final slash is masked alike.
    """
    found = set()
    for regex, converters in routes(resolver.url_patterns):
        for format_string, _ in normalize(regex):
            pattern, kept = "", SLASH
            for index, part in enumerate(PLACEHOLDER.split(format_string)):
                if index % 2 == 0:
                    kept += "".join(SLASH if c == "/" else re.escape(c) for c in part)
                    continue
                segment = REST if isinstance(converters.get(part), PathConverter) else SEGMENT
                if is_secret_parameter(part):
                    pattern, kept = f"{pattern}({kept}){segment}", ""
                else:
                    kept += segment
            if pattern:
                found.add(pattern)
    return tuple(re.compile(pattern) for pattern in sorted(found))


def routes(
    patterns: Iterable, prefix: str = "", converters: dict | None = None
) -> Iterator[tuple[str, dict]]:
    """(regex, converters) of every route, joined through its includes as reverse() joins them."""
    for entry in patterns:
        regex = prefix + entry.pattern.regex.pattern.removeprefix("^")
        joined = {**(converters or {}), **entry.pattern.converters}
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, regex, joined)
        else:
            yield regex, joined


class MaskSecrets(logging.Filter):
    """A logging filter that masks secrets in the rendered message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class AccessLogger(GunicornLogger):
    """gunicorn's logger with the same masking on every line of its access and error logs.

    The filter sits on the loggers, so it applies whatever the access-log format, handler or
    logging configuration (an error line such as 'Error handling request /p/…' included).
    """

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            if not any(isinstance(f, MaskSecrets) for f in log.filters):
                log.addFilter(MaskSecrets())


class JsonFormatter(logging.Formatter):
    """One JSON object per record: UTC time, level, logger, then the event's own fields
    (`programmes.security_log` passes them as `extra={"security": {...}}`)."""

    def format(self, record: logging.LogRecord) -> str:
        created = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
        payload: dict[str, Any] = {
            "time": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
        }
        fields = getattr(record, "security", None)
        if fields is None:
            payload["message"] = record.getMessage()
        else:
            payload.update(fields)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        # ensure_ascii: control characters and line separators leave as \n, \u2028 escapes.
        return json.dumps(payload, ensure_ascii=True, default=str, separators=(",", ":"))
