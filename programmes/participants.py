"""What every participant page shares, whichever app serves it: its language and its rendering."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html

LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def lang_attribute(written: str | None, page: str | None = None) -> str:
    """` lang="da"` for text written in `written` on a page in another language (the active
    one unless `page` is given), else nothing (WCAG 3.1.2; programmes.templatetags.written_in).
    """
    if written in LANGUAGE_CODES and written != (page or translation.get_language()):
        return format_html(' lang="{}"', written)
    return ""


def mark_labels(form: Form, written: str | None, page: str) -> None:
    """Put the visible fields' labels, written by people in `written`, in a span with that
    language when the page is in another."""
    attribute = lang_attribute(written, page)
    if not attribute:
        return
    for field in form.fields.values():
        if not field.widget.is_hidden:
            field.label = format_html("<span{}>{}</span>", attribute, field.label)


def render_participant(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    language: str | None = None,
    written_in: str | None = None,
) -> HttpResponse:
    """A participant page in the language the caller worked out for the phone, else the
    request's: the programme's language can differ from the one the middleware chose.

    `written_in` is the language of what people wrote on the page (the programme's); the
    template's `{{ written }}` is then the `lang` attribute for those texts' tags, empty
    when it is the page's own (programmes.templatetags.written_in).
    """
    with translation.override(language or translation.get_language()):
        context = {**(context or {}), "written": lang_attribute(written_in)}
        return render(request, template, context, status=status)


def phone_language(request: HttpRequest, *, default: str) -> str:
    """The language a participant's phone already uses, else the given default.

    The language the participant chose (the language cookie) comes first, then the browser's
    own when it names Danish, Swedish or English (the previous page was already shown in it);
    only a browser that asks for none of ours gets the programme's language.
    """
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return translation.get_language()
    header = request.headers.get("Accept-Language", "")
    wanted = {part.split(";")[0].strip().split("-")[0].lower() for part in header.split(",")}
    if wanted & {code for code, _name in settings.LANGUAGES}:
        return translation.get_language()
    return default


# --- Kiosk mode: one shared tablet at the door --------------------------------------------

KIOSK_SESSION_KEY = "kiosk"  # the room code a shared tablet goes back to


def start_kiosk(request: HttpRequest, code: str) -> None:
    """Make this browser a shared tablet: after each survey or post it starts afresh."""
    request.session.cycle_key()
    request.session.clear()
    request.session[KIOSK_SESSION_KEY] = code


def kiosk_code(request: HttpRequest) -> str:
    return request.session.get(KIOSK_SESSION_KEY, "")


def next_person(request: HttpRequest) -> str:
    """End this person's turn: nothing they did stays in the session. Where the next starts.

    The session is flushed (a new key, nothing carried over: no seat, no draft, no
    language), and only the room code the tablet returns to is kept.
    """
    code = kiosk_code(request)
    request.session.flush()
    request.session[KIOSK_SESSION_KEY] = code
    return reverse("kiosk_next")


def forget_language(response: HttpResponse) -> HttpResponse:
    """Drop the language cookie too, so the next person on a shared tablet starts afresh."""
    response.delete_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
    )
    return response
