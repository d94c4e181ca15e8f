"""Rendering helpers shared by every app's views."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.response import TemplateResponse


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> TemplateResponse:
    """The whole page, or only the named partial of the same template when htmx asks.

    A history restore (the back button with an empty htmx cache) gets the whole page.
    """
    wants_partial = partial and request.htmx and not request.htmx.history_restore_request
    name = f"{template}#{partial}" if wants_partial else template
    return TemplateResponse(request, name, context, status=status)


def posted(request: HttpRequest):
    """The form data to bind a form to: the POST's on every POST, an empty one too (so a form
    sent with nothing in it says what is missing, 422, instead of showing itself blank), and
    None on a GET (an unbound form)."""
    return request.POST if request.method == "POST" else None


def uploaded(request: HttpRequest):
    """The files to bind a form to, on the same rule as `posted`."""
    return request.FILES if request.method == "POST" else None
