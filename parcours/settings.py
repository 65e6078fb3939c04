"""Settings, all from the environment (see README, "Configuration").

With nothing set, Parcours runs on an embedded SQLite database under var/.
"""

import datetime as dt
import zoneinfo
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from parcours.lib.env import Env

env = Env()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.get_str("PARCOURS_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)


# Zero-configuration default: random keys kept beside the embedded database.
SECRET_KEY = env.get_secret("SECRET_KEY", generated_at=VAR_DIR / "secret_key")
# The journal's HMAC key: kept outside the database, so that someone who can write to the
# database but cannot read this key can no longer re-hash a rewritten journal.
JOURNAL_KEY = env.get_secret("JOURNAL_KEY", generated_at=VAR_DIR / "journal_key")
DEBUG = env.get_bool("DEBUG", False)
ALLOWED_HOSTS = env.get_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.get_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env.get_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "parcours.core",
    "parcours.programmes",
    "parcours.learners",
    "parcours.attendance",
    "parcours.activity",
    "parcours.engagement",
    "parcours.messaging",
    "parcours.feedback",
    "parcours.followup",
    "parcours.safeguarding",
    "parcours.improvement",
    "parcours.audit",
    "parcours.portal",
    "parcours.api",
    "parcours.demo",
    "axes",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The auditor: read-only, time-limited, every page journaled (parcours.audit).
    "parcours.audit.middleware.AuditorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the French lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "parcours.urls"
WSGI_APPLICATION = "parcours.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "parcours" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "parcours.core.context_processors.membership",
            ],
        },
    },
]


def _databases() -> dict:
    url = env.get_str("DATABASE_URL")
    if not url:
        return {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": VAR_DIR / "parcours.sqlite3",
                "OPTIONS": {
                    "transaction_mode": "IMMEDIATE",
                    "timeout": 20,
                    "init_command": (
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                        "PRAGMA cache_size=-65536;"
                    ),
                },
            }
        }
    try:
        config = dj_database_url.parse(url, conn_max_age=env.get_int("DATABASE_CONN_MAX_AGE", 60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL: {exc}") from exc
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(f"DATABASE_URL: unsupported scheme in {url!r}")
    return {"default": config}


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env.get_int("PASSWORD_RESET_TIMEOUT", 3 * 3600, minimum=60)

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français"))]
LOCALE_PATHS = [BASE_DIR / "parcours" / "locale"]
TIME_ZONE = env.get_str("TIME_ZONE", "Europe/Paris")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE: unknown time zone {TIME_ZONE!r}") from None
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "parcours" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.get_str("MEDIA_ROOT", str(VAR_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_UPLOAD_BYTES = env.get_int("IMPORT_MAX_UPLOAD_BYTES", 200 * 1024 * 1024, minimum=1024)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_HOST = env.get_str("EMAIL_HOST")
EMAIL_PORT = env.get_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env.get_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env.get_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env.get_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env.get_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL: set only one of them")
EMAIL_TIMEOUT = env.get_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env.get_str("DEFAULT_FROM_EMAIL", "Parcours <no-reply@parcours.invalid>")
# Without an SMTP host, mail is printed on the console (demo and development).
EMAIL_BACKEND = env.get_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.get_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Behind a TLS reverse proxy: trust its X-Forwarded-Proto, and take the client's address
# from the last X-Forwarded-For entry (the one the proxy added), for the throttles.
BEHIND_PROXY = env.get_bool("BEHIND_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# HTTPS only, once the site is served over TLS: redirect plain HTTP (the proxy usually does
# it already; harmless then) and tell browsers to stick to HTTPS (HSTS). Off by default so
# that the embedded demo still runs over plain HTTP.
SECURE_SSL_REDIRECT = env.get_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env.get_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.get_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env.get_bool("SECURE_HSTS_PRELOAD", False)
X_FRAME_OPTIONS = "DENY"

# Cache: shared by every process (the throttles count there). The database cache by
# default (its table is created by the core migrations); Redis with CACHE_URL.


def _caches() -> dict:
    url = env.get_str("CACHE_URL")
    if not url:
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "parcours_cache",
            }
        }
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"CACHE_URL: expected redis://, rediss:// or unix://, got {url.split(':')[0]!r}"
        )
    try:
        import redis  # noqa: F401
    except ImportError:
        raise ImproperlyConfigured(
            "CACHE_URL: Redis needs the redis package: pip install 'parcours[redis]'"
        ) from None
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}


CACHES = _caches()

# Login throttle (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords on one account,
# or from one address, that account or address is locked for LOGIN_COOLOFF_MINUTES, even
# with the right password. Failures are counted in the database, so every process sees
# them; the lock is journaled (parcours.core.receivers).
AUTHENTICATION_BACKENDS = [
    "parcours.core.auth.ThrottledBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.get_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.get_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "parcours.core.auth.locked_out"
AXES_CLIENT_IP_CALLABLE = "parcours.core.auth.client_ip"
# Failures only: successful logins are not logged a second time by axes.
AXES_DISABLE_ACCESS_LOG = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False

WORKER_POLL_SECONDS = env.get_int("WORKER_POLL_SECONDS", 5, minimum=1)
# Outbox: first retry after this many seconds (doubling each time, at most an hour), and
# how many tries before a message is marked failed.
MESSAGING_RETRY_BASE_SECONDS = env.get_int("MESSAGING_RETRY_BASE_SECONDS", 30, minimum=1)
MESSAGING_MAX_ATTEMPTS = env.get_int("MESSAGING_MAX_ATTEMPTS", 12, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.get_str("LOG_LEVEL", "WARNING")},
    "loggers": {"parcours": {"level": env.get_str("LOG_LEVEL", "INFO")}},
}

# REST API v1 (parcours/api): a token per user, or the browser's session; every list paged.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "parcours.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["parcours.api.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "parcours.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Parcours API",
    "DESCRIPTION": "Sessions, apprenants, inscriptions et présences de l'organisation.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "EnrolmentStatusEnum": "parcours.learners.models.EnrolmentStatus",
        "AttendanceStatusEnum": "parcours.attendance.models.AttendanceStatus",
    },
}
