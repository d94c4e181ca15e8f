"""The app's session stores read what Django's own stores wrote, and the other way round, so
a deploy that switches stores logs nobody out and loses no phone's draft."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends import cached_db as django_cached_db
from django.contrib.sessions.backends import db as django_db

from programmes.sessions import LeanDatabaseStore
from programmes.sessions.cached_db import SessionStore as LeanCachedStore


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("writer", "reader"),
    [
        (django_db.SessionStore, LeanDatabaseStore),
        (LeanDatabaseStore, django_db.SessionStore),
        (django_cached_db.SessionStore, LeanCachedStore),
        (LeanDatabaseStore, LeanCachedStore),
    ],
)
def test_a_session_written_by_one_store_reads_in_the_other(writer, reader):
    written = writer()
    written["seats"] = {"9": "6bb6cbdf"}
    written.save()
    read = reader(session_key=written.session_key)
    assert read.get("seats") == {"9": "6bb6cbdf"}
