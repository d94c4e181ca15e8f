"""{% session_timeout %}: the dialog that warns a signed-in user before the session ends."""

from __future__ import annotations

from django import template
from django.conf import settings

from programmes import staff_session
from programmes.middleware import StaffSessionMiddleware

register = template.Library()


@register.inclusion_tag("components/session_timeout.html", takes_context=True)
def session_timeout(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    return {
        "show": True,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "left": staff_session.seconds_left(request),
        "idle": settings.STAFF_IDLE_SECONDS,
        "warn": min(settings.STAFF_IDLE_WARNING_SECONDS, settings.STAFF_IDLE_SECONDS // 2),
        "slack": StaffSessionMiddleware.WRITE_EVERY,
        "idle_minutes": settings.STAFF_IDLE_SECONDS // 60,
    }
