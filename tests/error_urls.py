"""The real URLconf plus one view that fails, for testing the 500 page."""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def boom(request):
    raise RuntimeError("secret internals")


urlpatterns = [*urlpatterns, path("boom/", boom)]
