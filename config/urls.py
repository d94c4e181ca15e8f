from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.i18n import set_language


@login_not_required
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico on their own; the icon is the static SVG."""
    return HttpResponseRedirect(static("favicon.svg"))


urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),
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
handler500 = "programmes.errors.server_error"
