"""Production settings, read in a fresh interpreter with production-like variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from programmes.redis_cache import RedisCache

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 60,
    "ALLOWED_HOSTS": "capital.example.org",
    "DATABASE_URL": "postgres://app@db.invalid:5432/capital",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


def read_settings(env: dict[str, str], names: list[str]) -> dict:
    code = (
        "import json, django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings';"
        "from django.conf import settings;"
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))"
    )
    ours = {"DEBUG", "SECRET_KEY", "EMAIL_BACKEND", "ALLOW_CONSOLE_EMAIL", "MFA_REQUIRED"}
    clean = {k: v for k, v in os.environ.items() if k not in ours}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_production_cookies_are_secure_and_host_prefixed():
    values = read_settings(
        PRODUCTION,
        [
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "SESSION_COOKIE_HTTPONLY",
            "SESSION_COOKIE_SAMESITE",
            "SESSION_COOKIE_NAME",
            "CSRF_COOKIE_NAME",
            "SECURE_HSTS_SECONDS",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS",
            "SECURE_SSL_REDIRECT",
        ],
    )
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_HTTPONLY"]
    assert values["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert values["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert values["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and values["SECURE_SSL_REDIRECT"]


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    with pytest.raises(subprocess.CalledProcessError) as error:
        read_settings(env, ["DEBUG"])
    assert "SECRET_KEY must be set" in error.value.stderr


def test_postgres_uses_the_pool_with_a_short_timeout():
    values = read_settings(PRODUCTION, ["DATABASES"])
    options = values["DATABASES"]["default"]["OPTIONS"]
    assert options["pool"]["timeout"] <= 2
    assert values["DATABASES"]["default"]["CONN_MAX_AGE"] == 0


def test_development_defaults_to_sqlite():
    env = {"DEBUG": "1", "DATABASE_URL": ""}
    values = read_settings(env, ["DATABASES"])
    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"


def test_sqlite_waits_its_turn_instead_of_failing():
    values = read_settings({"DEBUG": "1", "DATABASE_URL": ""}, ["DATABASES"])
    options = values["DATABASES"]["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 10
    assert "journal_mode=WAL" in options["init_command"]


CONSOLE = "django.core.mail.backends.console.EmailBackend"


def test_production_refuses_the_console_email_backend():
    """Its e-mails hold personal and password-reset links, printed beside the access log."""
    for env in (
        {**PRODUCTION, "EMAIL_BACKEND": CONSOLE},
        {k: v for k, v in PRODUCTION.items() if k != "EMAIL_BACKEND"},
    ):
        with pytest.raises(subprocess.CalledProcessError) as error:
            read_settings(env, ["EMAIL_BACKEND"])
        assert "django.core.exceptions.ImproperlyConfigured" in error.value.stderr
        assert "EMAIL_BACKEND is the console backend" in error.value.stderr
        assert "ALLOW_CONSOLE_EMAIL=1" in error.value.stderr


def test_production_takes_the_console_email_backend_when_told():
    env = {**PRODUCTION, "EMAIL_BACKEND": CONSOLE, "ALLOW_CONSOLE_EMAIL": "1"}
    assert read_settings(env, ["EMAIL_BACKEND"]) == {"EMAIL_BACKEND": CONSOLE}


def test_production_starts_with_an_smtp_backend():
    values = read_settings(PRODUCTION, ["EMAIL_BACKEND"])
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


def test_development_keeps_the_console_email_backend():
    values = read_settings({"DEBUG": "1", "DATABASE_URL": ""}, ["EMAIL_BACKEND"])
    assert values["EMAIL_BACKEND"] == CONSOLE


def test_production_requires_a_second_factor_and_a_laptop_does_not():
    """QUALITY AC-3: enforced in production; the local demo logs in with its printed password,
    unless MFA_REQUIRED says otherwise either way."""
    names = ["MFA_REQUIRED", "MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN"]
    assert read_settings(PRODUCTION, names) == {
        "MFA_REQUIRED": True,
        "MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN": False,
    }
    laptop = {"DEBUG": "1", "DATABASE_URL": ""}
    assert read_settings(laptop, names) == {
        "MFA_REQUIRED": False,
        "MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN": True,
    }
    assert read_settings({**PRODUCTION, "MFA_REQUIRED": "0"}, names)["MFA_REQUIRED"] is False
    assert read_settings({**laptop, "MFA_REQUIRED": "1"}, names)["MFA_REQUIRED"] is True


def test_limits_are_counted_in_a_shared_cache():
    """Redis when REDIS_URL is set, else the database: never one process's memory."""
    caches = read_settings({**PRODUCTION, "REDIS_URL": ""}, ["CACHES"])["CACHES"]
    assert caches["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    redis = {**PRODUCTION, "REDIS_URL": "redis://cache.invalid:6379/0"}
    caches = read_settings(redis, ["CACHES"])["CACHES"]
    assert caches["default"]["BACKEND"] == "programmes.redis_cache.RedisCache"
    assert issubclass(RedisCache, DjangoRedisCache)  # Django's, with a client per pool


COOKIE_SETTINGS = [
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "LANGUAGE_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SAMESITE",
    "SESSION_COOKIE_NAME",
    "CSRF_COOKIE_NAME",
]


@pytest.mark.django_db
def test_the_cookies_a_browser_gets_under_production_settings(settings, cast):
    """S-3 read off the Set-Cookie headers themselves: the session, CSRF and language cookies
    are Secure, SameSite Lax or Strict, __Host- where named so (so Path=/ and no Domain), and
    the session and language cookies are HttpOnly."""
    from django.test import Client
    from django.urls import reverse

    from tests.factories import PASSWORD

    for name, value in read_settings(PRODUCTION, COOKIE_SETTINGS).items():
        setattr(settings, name, value)
    client = Client(secure=True)
    page = client.get(reverse("login"))
    csrf = page.cookies[settings.CSRF_COOKIE_NAME]
    response = client.post(
        reverse("login"),
        {
            "login": cast.facilitator.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": csrf.value,
        },
    )
    assert response.status_code == 302, response.status_code
    language = client.post(reverse("set_language"), {"language": "sv"}, secure=True)
    cookies = {**page.cookies, **response.cookies, **language.cookies}
    session = cookies[settings.SESSION_COOKIE_NAME]
    for cookie in (session, cookies[settings.CSRF_COOKIE_NAME], cookies["django_language"]):
        assert cookie["secure"], cookie.key
        assert cookie["samesite"] in ("Lax", "Strict"), cookie.key
        if cookie.key.startswith("__Host-"):
            assert cookie["path"] == "/" and not cookie["domain"], cookie.key
    assert session.key.startswith("__Host-") and session["httponly"]
    assert cookies[settings.CSRF_COOKIE_NAME].key.startswith("__Host-")
    assert cookies["django_language"]["httponly"]


def test_the_test_command_clears_every_variable_the_settings_read():
    """scripts/test runs the settings' defaults, as CI does: a variable config/settings.py
    reads and scripts/test leaves set would let a developer's shell change the suite."""
    import re

    read = set(re.findall(r'\("([A-Z][A-Z0-9_]+)"', (ROOT / "config" / "settings.py").read_text()))
    read = {n for n in read if not n.startswith(("DATABASE_", "HTTP_")) and n != "OPTIONS"}
    script = (ROOT / "scripts" / "test").read_text().replace("\\\n", " ")
    cleared = set(re.search(r"^unset (.+)$", script, re.MULTILINE).group(1).split())
    assert read <= cleared, sorted(read - cleared)
