"""How long a staff session has left, and a way to keep it (WCAG 2.2.1, Timing Adjustable).

StaffSessionMiddleware ends a staff session after STAFF_IDLE_SECONDS without a request. A
facilitator writing a long text, or reading a report, would lose what is unsaved without
notice; so every staff page carries a dialog (templates/components/session_timeout.html,
static/js/session-timeout.js) that opens STAFF_IDLE_WARNING_SECONDS before the end, says
when, and offers one button to stay logged in. Before it opens it asks `status` how long is
really left: work in another tab keeps the session too. Without JavaScript there is no
warning, and the login page says why the session ended.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from programmes.middleware import StaffSessionMiddleware


def seconds_left(request: HttpRequest) -> int:
    """Seconds until the session ends for idleness, or for its total limit if sooner."""
    now = int(time.time())
    seen = request.session.get(StaffSessionMiddleware.SEEN, now)
    since = request.session.get(StaffSessionMiddleware.SINCE, now)
    idle = seen + settings.STAFF_IDLE_SECONDS - now
    total = since + settings.STAFF_SESSION_SECONDS - now
    return max(0, min(idle, total))


def leaves_session_idle(view):
    """Mark a view whose requests do not count as the user being active."""
    view.leaves_session_idle = True
    return view


@require_GET
@leaves_session_idle
def status(request: HttpRequest) -> JsonResponse:
    """How long the session has left; asking does not extend it."""
    return JsonResponse({"left": seconds_left(request)})


@require_POST
def keep(request: HttpRequest) -> HttpResponse:
    """The "Stay logged in" button: the session's idle clock starts again now.

    From the dialog's script, the seconds now left; from the form without JavaScript, back
    to the page it was on.
    """
    request.session[StaffSessionMiddleware.SEEN] = int(time.time())
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"left": seconds_left(request)})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/"
    return redirect(back)
