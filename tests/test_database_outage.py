"""A database that does not answer: a translated 503 that keeps the draft, never a 500.

The outage is made by pointing the default connection at a closed port (or a pool that
cannot connect), as tests/programmes/test_healthz.py does; the shared PostgreSQL is left
alone. Django's login check loads the session before any view runs, so an outage already
on fails in a middleware and reaches handler500; a connection lost while a view runs
reaches DatabaseUnavailableMiddleware. This module is also the URLconf of two tests below.
"""

from __future__ import annotations

import copy
import html
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.contrib.auth.decorators import login_not_required
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as site_urlpatterns
from surveys import services
from surveys.models import Draft
from surveys.views import pages

PARTICIPANT_TEXT = "What you have answered so far is kept. Go back and send it again in a moment."
STAFF_TEXT = "Nothing you saved earlier is lost. Go back and try again in a moment."


@login_not_required
def remember(request: HttpRequest) -> HttpResponse:
    """A view that needs no database, but its new session is saved after it."""
    request.session["seen"] = True
    return HttpResponse("ok")


@login_not_required
def lose_database(request: HttpRequest) -> HttpResponse:
    """A view whose connection goes away half-way, as when PostgreSQL restarts."""
    raise ERRORS[request.GET["error"]]("server closed the connection unexpectedly")


ERRORS = {"operational": OperationalError, "interface": InterfaceError}
urlpatterns = [
    *site_urlpatterns,
    path("remember/", remember),
    path("lose-database/", lose_database),
]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


@contextmanager
def database_down(*, pool: bool = False) -> Iterator[None]:
    """Every query on the default database fails until the block ends."""
    original = connections[DEFAULT_DB_ALIAS]
    settings_dict = copy.deepcopy(original.settings_dict)
    if original.vendor == "postgresql":
        settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", "9"
        options = settings_dict.setdefault("OPTIONS", {})
        options["connect_timeout"] = 1
        if pool:  # what production runs: psycopg's pool, which gives up after its timeout
            options["pool"] = {"min_size": 0, "max_size": 1, "timeout": 0.5}
        else:
            options.pop("pool", None)
    else:
        settings_dict["NAME"] = "/nonexistent/dir/db.sqlite3"
    # An alias of its own: pools are kept per alias, and the real one must stay untouched.
    broken = original.__class__(settings_dict, alias="outage")
    connections[DEFAULT_DB_ALIAS] = broken
    try:
        yield
    finally:
        connections[DEFAULT_DB_ALIAS] = original
        if pool:
            broken.close_pool()


def started(client: Client, round, unit, item) -> Draft:
    """A phone that joined, chose Danish and its unit, and answered the first question."""
    client.post(reverse("join"), {"code": services.room_code(round)})
    client.post(reverse("survey_start", args=[round.pk]), {"language": "da"})
    client.post(reverse("survey_start", args=[round.pk]), {"unit": unit.pk})
    response = client.post(reverse("survey_page", args=[round.pk, 1]), {f"item-{item.pk}": "4"})
    assert response.status_code == 302
    return Draft.objects.get()


def danish(text: str) -> str:
    with translation.override("da"):
        return gettext(text)


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def assert_friendly_503(response, *, text: str) -> None:
    assert response.status_code == 503
    assert 1 <= int(response["Retry-After"]) <= 30
    page = page_text(response)
    assert '<html lang="da">' in page
    assert danish("Not available just now") in page
    assert danish(text) in page
    assert response["X-Request-ID"] in page
    assert "Traceback" not in page
    assert "OperationalError" not in page
    assert "127.0.0.1" not in page
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def phone(cast, open_round, items) -> tuple[Client, Draft]:
    # The 503 of an outage already on comes through handler500, after Django has signalled
    # the exception, which the test client would raise again.
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="da")
    first = pages(items)[0][0]
    return client, started(client, open_round, cast.units["South"], first)


@pytest.mark.django_db
def test_survey_page_during_an_outage_is_a_translated_503(phone, open_round):
    client, _draft = phone
    with database_down():
        response = client.get(reverse("survey_page", args=[open_round.pk, 2]))
    assert_friendly_503(response, text=PARTICIPANT_TEXT)


@pytest.mark.django_db
def test_saving_a_page_during_an_outage_is_a_503_and_the_draft_survives(phone, open_round, items):
    client, draft = phone
    before = dict(draft.answers)
    assert before
    second = pages(items)[1][0]
    with database_down():
        response = client.post(
            reverse("survey_page", args=[open_round.pk, 2]), {f"item-{second.pk}": "5"}
        )
        autosave = client.post(
            reverse("survey_page", args=[open_round.pk, 2]),
            {f"item-{second.pk}": "5", "nav": "autosave"},
        )
    assert_friendly_503(response, text=PARTICIPANT_TEXT)
    assert autosave.status_code == 503
    draft.refresh_from_db()
    assert draft.answers == before
    # The database is back: the same phone carries on where it was.
    again = client.post(reverse("survey_page", args=[open_round.pk, 2]), {f"item-{second.pk}": "5"})
    assert again.status_code == 302
    draft.refresh_from_db()
    assert draft.answers == {**before, str(second.pk): "5"}


@pytest.mark.django_db
def test_an_outage_logs_one_warning_per_request_and_no_traceback(phone, open_round, caplog):
    client, _draft = phone
    with caplog.at_level(logging.INFO), database_down():
        for _request in range(3):
            client.get(reverse("survey_page", args=[open_round.pk, 1]))
    warnings = [r for r in caplog.records if r.name == "programmes.errors"]
    assert len(warnings) == 3
    assert all(r.levelno == logging.WARNING for r in warnings)
    assert "database unavailable" in warnings[0].getMessage()
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert [r for r in caplog.records if r.exc_info] == []


@pytest.mark.django_db
def test_a_staff_page_whose_login_check_needs_the_session_is_a_503(cast, caplog):
    """The session is loaded by LoginRequiredMiddleware, before any view runs."""
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="da")
    client.force_login(cast.facilitator)
    with caplog.at_level(logging.INFO), database_down():
        response = client.get(reverse("programme_detail", args=[cast.programme.pk]))
    assert_friendly_503(response, text=STAFF_TEXT)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert [r for r in caplog.records if r.exc_info] == []


@pytest.mark.django_db
def test_saving_the_session_after_the_view_during_an_outage_is_a_503(settings, caplog):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="da")
    with caplog.at_level(logging.INFO), database_down():
        response = client.get("/remember/")
    assert_friendly_503(response, text=PARTICIPANT_TEXT)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.django_db
def test_a_pool_that_cannot_connect_gives_the_503_too(phone, open_round, caplog):
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        pytest.skip("the connection pool is PostgreSQL's")
    client, _draft = phone
    with caplog.at_level(logging.WARNING, logger="programmes.errors"), database_down(pool=True):
        response = client.get(reverse("survey_page", args=[open_round.pk, 1]))
    assert_friendly_503(response, text=PARTICIPANT_TEXT)
    assert "PoolTimeout" in caplog.records[-1].getMessage()


@pytest.mark.django_db
@pytest.mark.parametrize("error", ["operational", "interface"])
def test_a_connection_lost_while_the_view_runs_is_a_503(settings, caplog, error):
    """Answered by the middleware itself: no exception signalled, nothing for Client to raise."""
    settings.ROOT_URLCONF = __name__
    client = Client(HTTP_ACCEPT_LANGUAGE="da")
    with caplog.at_level(logging.INFO):
        response = client.get("/lose-database/", {"error": error})
    assert_friendly_503(response, text=PARTICIPANT_TEXT)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert len([r for r in caplog.records if r.name == "programmes.errors"]) == 1


@pytest.mark.django_db
def test_other_errors_keep_the_500_page(cast, settings):
    settings.ROOT_URLCONF = "tests.error_urls"
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="da")
    client.force_login(cast.facilitator)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Retry-After" not in response
