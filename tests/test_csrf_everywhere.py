"""Every POST route refuses a missing CSRF token (QUALITY S-5): the routes are enumerated from
the URLconf (Django's admin aside), each is posted to without a token by a signed-in
facilitator and by a phone, and each answers the translated 403 page, with no row added or
removed anywhere. (That a phone's draft survives a refused save is tested with the survey,
in tests/surveys/test_survey_bad_input.py.)"""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.test_access_matrix import PROGRAMME_ROUTES, kwargs_for

DANISH_CSRF = "Formularen var udløbet"
MAY_CHANGE = {"django_session", "django_cache", "programmes_ratecounter"}


def routes() -> list[tuple[str, dict]]:
    """(name, made-up kwargs) of every named route but the admin's: the CSRF check comes
    before any lookup, so the values need only fit the route's converters."""
    from django.urls.resolvers import RoutePattern

    found = []

    def sample(pattern) -> dict:
        if isinstance(pattern, RoutePattern):  # a path() route: <type:name>
            made = {"int": 1, "uuid": uuid.uuid4()}
            return {
                name: made.get(kind or "str", "x" * 43)
                for kind, name in re.findall(r"<(?:(\w+):)?(\w+)>", str(pattern))
            }
        return dict.fromkeys(pattern.regex.groupindex, "a1")  # a re_path() route

    def walk(patterns, inherited: dict):
        for entry in patterns:
            if isinstance(entry, URLResolver):  # an include(): its own part of the path counts
                if entry.namespace != "admin":
                    walk(entry.url_patterns, {**inherited, **sample(entry.pattern)})
            elif isinstance(entry, URLPattern) and entry.name:
                found.append((entry.name, {**inherited, **sample(entry.pattern)}))

    walk(get_resolver().url_patterns, {})
    return found


def reverse_any(name: str, samples: list[dict]) -> str:
    """The path of a route name registered more than once (an override and the original)."""
    from django.urls import NoReverseMatch, reverse

    for sample in samples:
        try:
            return reverse(name, kwargs=sample)
        except NoReverseMatch:
            continue
    raise AssertionError(f"no sample fits {name}")


def table_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table not in MAY_CHANGE:
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.django_db
def test_every_post_route_refuses_a_missing_csrf_token(cast):
    from django.urls import reverse

    staff = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="da")
    staff.force_login(cast.facilitator)
    phone = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="da")
    before = table_counts()
    checked = 0
    samples: dict[str, list[dict]] = {}
    for name, sample in routes():
        samples.setdefault(name, []).append(sample)
    for name in samples:
        if name in PROGRAMME_ROUTES:
            url = reverse(name, kwargs=kwargs_for(name, cast))
            before = table_counts()  # kwargs_for may make the objects a route needs
        else:
            url = reverse_any(name, samples[name])
        for client in (staff, phone):
            response = client.post(url, {"name": "Forged", "text": "Forged"})
            assert response.status_code == 403, (name, url, response.status_code)
            assert DANISH_CSRF in response.content.decode(), (name, url)
            checked += 1
        assert table_counts() == before, name
    print(f"{checked} forged POSTs over {len(samples)} routes: all 403, no row changed")
