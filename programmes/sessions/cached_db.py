"""Sessions read from Redis, written to the table and Redis (SESSION_ENGINE with REDIS_URL)."""

from __future__ import annotations

from django.contrib.sessions.backends import cached_db

from programmes.sessions import LeanDatabaseStore


class SessionStore(cached_db.SessionStore, LeanDatabaseStore):
    """Django's cached_db store over the lean table writes (cached_db's save calls them)."""
