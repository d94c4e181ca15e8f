"""GET changes no state (QUALITY S-4): every programme route that answers GET, asked by the
facilitator and by a manager, leaves the row count of every table as it was.

Allowed to change: the session and cache tables, failed-attempt counters, and the audit log
(a report download or an export is recorded, as L-1 asks). The projector's poll may store
the renewed live figures on its round (an update of aggregates, no new row; SECURITY.md).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.test_access_matrix import PROGRAMME_ROUTES, kwargs_for

MAY_CHANGE = {"django_session", "django_cache", "programmes_ratecounter", "programmes_auditentry"}


def table_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table in MAY_CHANGE:
                continue
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.django_db
def test_no_get_adds_or_removes_a_row(cast):
    readable = [name for name, (methods, _m) in PROGRAMME_ROUTES.items() if "GET" in methods]
    urls = [reverse(name, kwargs=kwargs_for(name, cast)) for name in readable]
    checked = 0
    for user in (cast.facilitator, cast.manager):
        client = Client()
        client.force_login(user)
        for url in urls:
            before = table_counts()
            client.get(url)
            client.get(url, HTTP_HX_REQUEST="true")
            after = table_counts()
            changed = {t: (before[t], after[t]) for t in after if after[t] != before[t]}
            assert not changed, (url, user.username, changed)
            checked += 2
    print(f"{checked} GET requests over {len(urls)} routes changed no row")
