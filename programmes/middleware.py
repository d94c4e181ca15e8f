"""Request-wide concerns: a request id for logs and audit rows, no caching, input no database
can store, a database that does not answer and a server whose PDF renders are all busy."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from contextlib import suppress

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, UnreadablePostError
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from programmes import accounts, errors, security_log, slots

Handler = Callable[[HttpRequest], HttpResponse]


class RequestIdMiddleware:
    """Give each request an id, echoed in the X-Request-ID header and the error page."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class MfaRequiredMiddleware:
    """Someone who must use a second factor (`accounts.second_factor_required`: facilitators,
    and managers whose workspace asks it) and has none yet is sent to set one up, from every
    page but the pages that do it: allauth's account and two-factor pages, logout, and the
    pages open without an account (participants' phones, health, language, login). So no
    programme data is reachable with a password alone.

    Static files never get here (WhiteNoise answers them first). Runs after the login check;
    a user who has a factor costs one query.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not settings.MFA_REQUIRED or not request.user.is_authenticated:
            return None
        if getattr(view_func, "login_required", True) is False:
            return None
        name = request.resolver_match.url_name or ""
        if name == "logout" or name.startswith(("account_", "mfa_")):
            return None
        if accounts.has_second_factor(request.user):
            return None
        if not accounts.second_factor_required(request.user):
            return None
        messages.info(
            request,
            _(
                "Set up two-factor authentication to continue: an authenticator app on your "
                "phone, or a passkey."
            ),
        )
        url = reverse("mfa_index")
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return HttpResponseRedirect(url)


class NoStoreMiddleware:
    """Nothing we render may sit in a shared or browser cache: pages hold programme data."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            add_never_cache_headers(response)
        return response


class BodySizeMiddleware:
    """Refuse a request body over MAX_REQUEST_BYTES with 413 before a byte of it is read.

    Django caps a form's fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams uploaded files
    to disk whatever their size, and the first middleware that reads the form (the NUL
    check, the CSRF check) would read it all. The largest thing anyone sends is a participant
    CSV (5 MB), so anything declared larger is refused here, in the visitor's language.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return errors.bad_request(request)
        if declared > settings.MAX_REQUEST_BYTES:
            return errors.too_large(request)
        return self.get_response(request)


NUL = "\x00"


def _carries_nul(request: HttpRequest) -> bool:
    """True if the path, a query or form key or value, or the session cookie holds a NUL."""
    forms = [request.GET]
    if request.method == "POST":
        # Parsed once, as the CSRF check would parse it; uploaded files' contents are not
        # looked at. A body too large or with too many fields raises here, and Django answers
        # 400 as it did when the view read the form first. (Catching the error would leave a
        # multipart body half-read, and the view would then see an empty form.)
        with suppress(UnreadablePostError):  # the client went away: go on, as the CSRF check does
            forms.append(request.POST)
    texts = [request.path, request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")]
    texts += [text for form in forms for key, values in form.lists() for text in (key, *values)]
    return any(NUL in text for text in texts)


class NulCharacterMiddleware:
    """Refuse a NUL character in the path, the query, the form or the session cookie with 400.

    PostgreSQL text cannot hold NUL: wherever such a value reached a query, the driver
    raised, the phone saw a 500 and the log a traceback, and a guessed room code escaped
    the rate limit. Nothing a person types sends one, so one check here covers every
    route, before the session or the database is touched. Sits after LocaleMiddleware, so
    the 400 page is in the visitor's language.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _carries_nul(request):
            return errors.bad_request(request)
        return self.get_response(request)


class StaffSessionMiddleware:
    """A staff session ends after STAFF_IDLE_SECONDS without a request and STAFF_SESSION_SECONDS
    after login, whatever happens in between (ASVS 7.3.1, 7.3.2).

    Only signed-in users are concerned: phones keep their drafts in sessions without a user,
    and the projector's display link is no session at all, so a screen in a room never
    blanks. The last-seen time is written at most once a minute, so a page's htmx requests
    do not each save the session. An ended session is flushed (a new key, nothing kept) and
    the login page says why.
    """

    SINCE = "_staff_since"
    SEEN = "_staff_seen"
    WRITE_EVERY = 60  # seconds

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        # Pages open without an account (phones, the projector) never load the user here;
        # on the others the login check loads it next anyway. Checked at the view, as the
        # login check is, so a database outage here gets the same 503 as there.
        if not getattr(view_func, "login_required", True):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        now = int(time.time())
        session = request.session
        since = session.setdefault(self.SINCE, now)
        seen = session.get(self.SEEN, now)
        if now - seen > settings.STAFF_IDLE_SECONDS:
            return self.end(request, "idle")
        if now - since > settings.STAFF_SESSION_SECONDS:
            return self.end(request, "limit")
        if getattr(view_func, "leaves_session_idle", False):
            return None  # asking how long is left is no activity (programmes.staff_session)
        if now - seen >= self.WRITE_EVERY or self.SEEN not in session:
            session[self.SEEN] = now
        return None

    @classmethod
    def start(cls, request: HttpRequest) -> None:
        """Set the clocks at login (`user_logged_in`), so a first request writes nothing."""
        now = int(time.time())
        request.session[cls.SINCE] = now
        request.session[cls.SEEN] = now

    def end(self, request: HttpRequest, reason: str) -> HttpResponse:
        from django.contrib.auth import logout
        from django.shortcuts import redirect
        from django.urls import reverse

        security_log.record(request, security_log.SESSION_END, user=request.user, reason=reason)
        logout(request)
        url = f"{reverse('login')}?ended={reason}"
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)


class DatabaseUnavailableMiddleware:
    """A view whose database goes away while it runs (PostgreSQL restarting, the pool out of
    connections), or whose Redis does not answer, gets the 503 page, "nothing saved is lost,
    try again in a moment", not a 500.

    An outage already on is met before any view: the login check loads the session, and
    the session is saved after the view, both in middleware. Django turns a middleware's
    exception into a response before the next middleware sees it, through handler500, so
    `errors.server_error` answers those with the same 503.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, errors.UNAVAILABLE):
            return errors.service_unavailable(request, exception)
        if isinstance(exception, slots.Busy):  # every PDF render slot taken: 503, try again
            return errors.server_busy(request, exception)
        return None
