from typing import NoReturn

from allauth.account import views as allauth_views
from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth import urls as auth_urls
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from programmes import passwords, staff_session


@login_not_required
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico on their own; the icon is the static SVG."""
    return HttpResponseRedirect(static("favicon.svg"))


@login_not_required
def not_offered(request: HttpRequest, **kwargs: str) -> NoReturn:
    """An allauth page this app does not offer: accounts come from invitations only."""
    raise Http404


def to(name: str):
    """allauth's route for something Django's view `name` does: go there."""
    return login_not_required(RedirectView.as_view(pattern_name=name, query_string=True))


# Staff accounts. Logging in and out is allauth's (then the second factor: allauth.mfa's
# pages under 2fa/), under Django's own names `login` and `logout`. Password change and reset
# stay Django's own views and templates; allauth's routes for them lead there, so there is one
# way to do each. Sign-up is closed (invitations only), and e-mail addresses are not managed
# here: /accounts/ itself lands on the two-factor page.
accounts = [
    path("login/", allauth_views.login, name="login"),
    path("logout/", allauth_views.logout, name="logout"),
    *(
        route
        for route in auth_urls.urlpatterns
        if route.name not in {"login", "logout", "password_reset", "password_change"}
    ),
    # Django's reset and change views, with limits shared across workers.
    path("password_reset/", passwords.PasswordResetView.as_view(), name="password_reset"),
    path("password_change/", passwords.PasswordChangeView.as_view(), name="password_change"),
    # How long a staff session has left, and "stay logged in" (programmes.staff_session).
    path("session/", staff_session.status, name="account_session"),
    path("session/keep/", staff_session.keep, name="account_session_keep"),
    path("signup/", not_offered, name="account_signup"),
    path("email/", to("mfa_index"), name="account_email"),
    path("password/change/", to("password_change"), name="account_change_password"),
    path("password/set/", to("password_change"), name="account_set_password"),
    path("password/reset/", to("password_reset"), name="account_reset_password"),
    path("password/reset/done/", to("password_reset_done"), name="account_reset_password_done"),
    path("password/reset/key/done/", to("login"), name="account_reset_password_from_key_done"),
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        not_offered,
        name="account_reset_password_from_key",
    ),
    path("confirm-email/", not_offered, name="account_email_verification_sent"),
    re_path(r"^confirm-email/(?P<key>[-:\w]+)/$", not_offered, name="account_confirm_email"),
    path("", include("allauth.urls")),
]

# The admin's own login form would skip the second factor: it sends to ours instead.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("accounts/", include(accounts)),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("", include("programmes.urls")),
    path("", include("seminars.urls")),
    path("", include("surveys.urls")),
    path("", include("actionplans.urls")),
]

handler400 = "programmes.errors.bad_request"
handler403 = "programmes.errors.permission_denied"
handler404 = "programmes.errors.page_not_found"
handler429 = "programmes.errors.too_many_requests"  # allauth's own rate limits (per address)
handler500 = "programmes.errors.server_error"
