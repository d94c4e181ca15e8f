"""The session table alone (SESSION_ENGINE without REDIS_URL): see programmes.sessions."""

from programmes.sessions import LeanDatabaseStore as SessionStore

__all__ = ["SessionStore"]
