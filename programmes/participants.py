"""What every participant page shares, whichever app serves it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation


def render_participant(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    language: str | None = None,
) -> HttpResponse:
    """A participant page in the language the caller worked out for the phone, else the
    request's: the programme's language can differ from the one the middleware chose."""
    with translation.override(language or translation.get_language()):
        return render(request, template, context or {}, status=status)
