"""Session stores that write each session in one statement and read it from a shared cache.

Django's database store checks that a new key is free with a SELECT before its INSERT, and
wraps each INSERT or UPDATE in a transaction of its own: BEGIN and COMMIT are two more round
trips for one statement. A phone's session is saved three times in a survey (the room
code, the draft's first page, the submit), so those extra round trips were a tenth of the
flow's statements. Here a new key (32 random characters, 165 bits) is taken as free and the
INSERT's unique key is the check: a clash, which does not happen, raises CreateError and
Django tries another key, as it does today. A single statement outside a transaction is a
transaction of its own. An UPDATE of the row cannot break a caller's transaction (the
session table has no constraint it could violate), so it needs no savepoint either; an
INSERT inside a caller's transaction keeps Django's savepoint, so that a clash could not
leave that transaction broken.

`db` reads the session table on every request. `cached_db` (chosen when REDIS_URL is set)
reads Redis and falls back to the table: the table stays the record, so a Redis restart
logs nobody out and loses no phone's draft. Never a per-process cache: a phone's next
request may go to any worker.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.db import DatabaseError, IntegrityError, router, transaction
from django.utils.crypto import get_random_string


class LeanDatabaseStore(db.SessionStore):
    """Django's database store without the SELECT before a new key and the transaction
    around a lone write."""

    # Django signs session data with a salt named after the store's class; ours keep the
    # name of Django's stores, so sessions written before (or by Django's own store, as
    # tests and the admin may) still read, and nobody is logged out by a deploy.
    key_salt = "django.contrib.sessions.SessionStore"

    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()
        using = router.db_for_write(self.model)
        if must_create and transaction.get_connection(using).in_atomic_block:
            return super().save(must_create)  # keeps Django's savepoint around the INSERT
        data = self._get_session(no_load=must_create)
        row = self.create_model_instance(data)
        try:
            row.save(force_insert=must_create, force_update=not must_create, using=using)
        except IntegrityError:
            if must_create:
                raise CreateError from None
            raise
        except DatabaseError:
            if not must_create:
                raise UpdateError from None
            raise
        return None
