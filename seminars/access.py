"""Access helpers for seminars: always through the programme's own helpers."""

from __future__ import annotations

from django.http import Http404

from programmes.models import Programme
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
