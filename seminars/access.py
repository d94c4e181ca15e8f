"""Access helpers for seminars: always through the programme's own helpers."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils import timezone

from programmes import ratelimit
from programmes.models import Programme, hash_token
from seminars.models import Activity, Seminar


def get_seminar(programme: Programme, number: int) -> Seminar:
    """A seminar of a programme the caller has already been given access to."""
    try:
        return Seminar.objects.get(programme=programme, number=number)
    except Seminar.DoesNotExist:
        raise Http404 from None


def get_activity(seminar: Seminar, activity_id: int) -> Activity:
    try:
        return Activity.objects.get(pk=activity_id, seminar=seminar)
    except Activity.DoesNotExist:
        raise Http404 from None


def get_seminar_for_display(request: HttpRequest, token: str) -> Seminar:
    """The seminar whose display link this is, while the link is valid; else 404.

    A token no seminar has ever been given counts as a failed attempt, and past the limit
    raises TooManyAttempts (429); a link that has expired is not a guess and is not counted.
    """
    token_hash = hash_token(token[:100])
    seminar = (
        Seminar.objects.select_related("programme")
        .filter(display_token_hash=token_hash, display_valid_until__gt=timezone.now())
        .exclude(display_token_hash="")
        .first()
    )
    if seminar is None and not Seminar.objects.filter(display_token_hash=token_hash).exists():
        ratelimit.count_unknown_token(request, ratelimit.LINK_TOKEN)
    if seminar is None or seminar.programme.is_archived:
        raise Http404
    return seminar
