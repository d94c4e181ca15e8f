"""Secrets never reach a log line: personal-link, display and invitation tokens and room
codes in paths are masked in Django's own log records, in runserver's request lines (the
`django.server` logger) and in gunicorn's access log.
"""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger as GunicornLogger

SECRET_PATHS = re.compile(r"/(p|display|invitations|j)/[^/\s?\"']+")


def mask(text: str) -> str:
    """'/p/abc123/' becomes '/p/…/'."""
    return SECRET_PATHS.sub(lambda match: f"/{match.group(1)}/…", text)


class MaskSecrets(logging.Filter):
    """A logging filter that masks secret path segments in the rendered message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class AccessLogger(GunicornLogger):
    """gunicorn's logger with the same masking in every access-log atom."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = mask(atoms[key])
        return atoms
