"""Settings for the social capital programme app.

Every value that differs between a laptop and production is read from the environment,
with defaults that are safe for local development (SQLite, DEBUG on, console e-mail).
"""

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "development-only-key-never-used-in-production-0123456789abcdefghij"  # noqa: S105
# Former keys, still accepted for sessions, reset links and the stored second-factor secrets.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials.apps.SimpleAppConfig",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "programmes",
    "surveys",
    "seminars",
    "actionplans",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A body over MAX_REQUEST_BYTES: 413 before it is read. A NUL in the path, query, form or
    # session cookie: the translated 400 page, before the session or the database is touched.
    "programmes.middleware.BodySizeMiddleware",
    "programmes.middleware.NulCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Staff sessions end after 30 idle minutes and 12 hours in all.
    "programmes.middleware.StaffSessionMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A facilitator without a second factor reaches only the pages that set one up.
    "programmes.middleware.MfaRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "programmes.middleware.RequestIdMiddleware",
    "programmes.middleware.NoStoreMiddleware",
    # Last, so its process_exception is asked first: a view whose database goes away answers
    # 503. An outage met by the session or login middleware reaches handler500: 503 as well.
    "programmes.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

# Database: SQLite by default; PostgreSQL through psycopg 3 with Django's connection pool.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=0,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_POOL", True
):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DATABASE_POOL_MIN", "2")),
        "max_size": int(os.environ.get("DATABASE_POOL_MAX", "8")),
        # Fail fast so /healthz answers 503 within 2 s (QUALITY R-8; benchmarks/faults.py
        # measured 2.0 s with a 2 s timeout) instead of waiting the default 30 s.
        "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "1.5")),
    }
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 2)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A room of phones sends at the same moment. SQLite has one writer at a time: WAL lets
    # readers carry on beside it, the busy timeout makes a writer wait its turn, and
    # IMMEDIATE transactions take the write lock at BEGIN, because a transaction that reads
    # first and writes later fails at once ("database is locked") instead of waiting.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "programmes.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Staff log in through django-allauth: username or e-mail and password, then the second factor
# (an authenticator app's code, a passkey or a recovery code). Accounts come from invitations
# only: no sign-up, and no e-mail verification (the invitation went to that address).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "programmes.accounts.AccountAdapter"
ACCOUNT_FORMS = {"login": "programmes.accounts.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False  # the session lasts SESSION_COOKIE_AGE, or until logout
ACCOUNT_PREVENT_ENUMERATION = True
# Every limit is counted in the shared cache (Redis, else the database: CACHES below).
# login_failed: five wrong passwords for one account from one address within 15 minutes lock
# that pair (programmes.accounts.AccountAdapter keys the count on both); the same limit
# counts wrong second-factor codes per account.
ACCOUNT_RATE_LIMITS = {"login_failed": "5/15m/key"}
MFA_ADAPTER = "programmes.accounts.MFAAdapter"
MFA_FORMS = {
    "activate_totp": "programmes.accounts.ActivateTOTPForm",
    "authenticate": "programmes.accounts.AuthenticateForm",
    "reauthenticate": "programmes.accounts.ReauthenticateForm",
    "authenticate_webauthn": "programmes.accounts.AuthenticateWebAuthnForm",
    "login_webauthn": "programmes.accounts.LoginWebAuthnForm",
    "reauthenticate_webauthn": "programmes.accounts.ReauthenticateWebAuthnForm",
    "add_webauthn": "programmes.accounts.AddWebAuthnForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = os.environ.get("MFA_TOTP_ISSUER", "Social capital")
# Passkeys need HTTPS; a laptop's http://127.0.0.1 is allowed only while DEBUG is on.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Facilitators must set up a second factor before they reach any programme data (and managers
# when their programme's workspace requires it). Off by default only for local work.
MFA_REQUIRED = env_bool("MFA_REQUIRED", not DEBUG)

REDIS_URL = os.environ.get("REDIS_URL", "")
# Seconds to wait for Redis to connect or answer: a Redis that stops answering costs a join,
# link or login about this long, then the 503 page (programmes.errors). redis-py waits 5 s by
# default, and a room of phones retrying would keep every worker waiting.
REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "1"))
# Behind a load balancer that appends to X-Forwarded-For, the number of trusted proxies.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
RATE_LIMIT_DELAY = float(os.environ.get("RATE_LIMIT_DELAY", "1"))  # s, room codes past the limit
# PDF renders at once on one server, across its workers (programmes.slots): one worker fewer
# than gunicorn runs, so one is always free for the phones. How long a render waits for a
# slot before the 503. The slots' lock files are local to the server.
PDF_RENDERS_AT_ONCE = int(
    os.environ.get("PDF_RENDERS_AT_ONCE") or max(1, int(os.environ.get("WEB_CONCURRENCY", "3")) - 1)
)
PDF_SLOT_WAIT = float(os.environ.get("PDF_SLOT_WAIT", "8"))
SLOTS_DIR = os.environ.get("SLOTS_DIR") or os.path.join(tempfile.gettempdir(), "capital-slots")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "programmes.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT},
        }
    }
else:
    # Never a per-process cache: login limits and used second-factor codes must be seen by
    # every worker and server. The table comes with a migration (programmes 0008).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
            # High enough that nobody evicts a lock by filling the table with other keys.
            "OPTIONS": {"MAX_ENTRIES": 200_000},
        }
    }

# Sessions: every request of a phone reads its session, three of a survey's requests write
# it. With Redis the reads come from Redis and the table stays the record (a Redis restart
# logs nobody out, loses no draft); without it the table answers (the database cache would
# cost more statements than the table itself). programmes.sessions says why its stores write
# in one statement.
SESSION_ENGINE = "programmes.sessions.cached_db" if REDIS_URL else "programmes.sessions.db"

# Internationalisation: Danish, Swedish and English, chosen per request.
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
LANGUAGES = [("da", _("Danish")), ("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Copenhagen")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# E-mail: printed to the console unless an SMTP server is configured. The console is stdout,
# where the access log goes too, and the e-mails hold personal, invitation and password-reset
# links: production refuses it unless ALLOW_CONSOLE_EMAIL says it is meant.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
console_email = EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
if console_email and not DEBUG and not env_bool("ALLOW_CONSOLE_EMAIL", False):
    raise ImproperlyConfigured(
        "EMAIL_BACKEND is the console backend, which prints e-mails with their secret links "
        "to stdout beside the access log. With DEBUG off, set EMAIL_BACKEND (for example "
        "django.core.mail.backends.smtp.EmailBackend) or ALLOW_CONSOLE_EMAIL=1."
    )
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "no-reply@localhost")

# Uploads: a participant CSV may be up to 5 MB; forms stay small.
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# The largest request body anyone sends (a participant CSV and its form); larger is 413.
MAX_REQUEST_BYTES = 6 * 1024 * 1024

# Security. HTTPS settings are on whenever DEBUG is off; SECURE_SSL_REDIRECT can be
# switched off where a proxy already redirects.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 60 * 60
STAFF_IDLE_SECONDS = int(os.environ.get("STAFF_IDLE_SECONDS", str(30 * 60)))
STAFF_SESSION_SECONDS = int(os.environ.get("STAFF_SESSION_SECONDS", str(12 * 60 * 60)))
# Staff pages warn this long before the session ends and offer to keep it (WCAG 2.2.1).
STAFF_IDLE_WARNING_SECONDS = int(os.environ.get("STAFF_IDLE_WARNING_SECONDS", str(5 * 60)))
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "programmes.views.csrf_failure"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_SECURE = True
    if env_bool("BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy (django-csp 4). No inline scripts anywhere; plotly.js injects
# <style> elements at run time, so styles alone allow 'unsafe-inline'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # Security events (programmes.security_log): one JSON object a line, in UTC.
        "json": {"()": "programmes.logs.JsonFormatter"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "filters": {"mask_secrets": {"()": "programmes.logs.MaskSecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_secrets"],
        },
        "security": {"class": "logging.StreamHandler", "formatter": "json"},
        # runserver's request lines keep Django's own handler and format, masked as well.
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Without handlers of its own (Django's default ones do not mask), Django's log
        # reaches the masked console once, at the root's level.
        "django": {"level": "NOTSET"},
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs each step of each PDF at INFO: forty lines a report.
        "weasyprint.progress": {"level": "WARNING"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "security": {"handlers": ["security"], "level": "INFO", "propagate": False},
    },
}

# The programme rules that DOMAIN.md fixes.
MIN_GROUP_SIZE_FLOOR = 3
PARTICIPANT_CSV_MAX_BYTES = 5 * 1024 * 1024
PARTICIPANT_CSV_MAX_ROWS = 10_000
# The logo on the report's cover: PNG, JPEG or plain SVG, stored in the database.
LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 25_000_000  # a raster logo's width x height before it is decoded
MANAGER_INVITATION_DAYS = 14
