"""Settings shared by every environment; every value comes from the environment (see README)."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from routeswit.env import (
    env_bool,
    env_int,
    env_list,
    env_str,
    load_dotenv,
    parse_database_url,
    parse_email_url,
    parse_rate,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
load_dotenv(BASE_DIR / ".env")

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required unless DEBUG=true")
    SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
REQUIRE_HTTPS = env_bool("REQUIRE_HTTPS", not DEBUG)
TRUST_X_FORWARDED_PROTO = env_bool("TRUST_X_FORWARDED_PROTO", False)
if TRUST_X_FORWARDED_PROTO:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "django_htmx",
    "routeswit.orgs",
    "reps",
    "routing",
    "leads",
    "contacts",
    "intelligence",
]

MIDDLEWARE = [
    "routeswit.api.middleware.RequestIdMiddleware",
    # Before the guard, so its 403/413 envelopes carry CORS headers and browsers can read them.
    "corsheaders.middleware.CorsMiddleware",
    "routeswit.api.middleware.ApiGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "routeswit.urls"
WSGI_APPLICATION = "routeswit.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {"default": parse_database_url(env_str("DATABASE_URL", "sqlite:///db.sqlite3"), BASE_DIR)}
# Covering indexes (INCLUDE columns) serve PostgreSQL; SQLite (`make run`) builds them without those columns.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL") or ""
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A dead Redis must cost milliseconds, not a hung request: rate limits fail open.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"

# Bodies over 1 MiB are refused with 413 (the API contract).
API_MAX_BODY_BYTES = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES

API_RATE_LIMIT = parse_rate("API_RATE_LIMIT", env_str("API_RATE_LIMIT", "6000/min"))
API_KEY_PEPPER = env_str("API_KEY_PEPPER") or SECRET_KEY
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", DEBUG)
# Webhook signing secrets are stored encrypted with a key derived from this (default: SECRET_KEY);
# secrets written under an older key stay readable while that key is listed in the fallbacks.
WEBHOOK_SECRET_KEY = env_str("WEBHOOK_SECRET_KEY") or ""
WEBHOOK_SECRET_KEY_FALLBACKS = env_list("WEBHOOK_SECRET_KEY_FALLBACKS", "")
SLA_CHECK_INTERVAL_SECONDS = env_int("SLA_CHECK_INTERVAL_SECONDS", 30)
if SLA_CHECK_INTERVAL_SECONDS < 1:
    raise ImproperlyConfigured("SLA_CHECK_INTERVAL_SECONDS must be at least 1")
# How long a worker's claim on a webhook attempt lasts: a worker killed mid-attempt delays the event at
# most this long before another worker takes it over (intelligence.services.claim_lease; at least 15 s).
WEBHOOK_CLAIM_LEASE_SECONDS = env_int("WEBHOOK_CLAIM_LEASE_SECONDS", 60)
# How often beat sends the assignment alerts that routing recorded (the assignment row is the outbox).
ALERT_SWEEP_INTERVAL_SECONDS = max(1, env_int("ALERT_SWEEP_INTERVAL_SECONDS", 5))
# How often beat rebuilds the analytics rollups of ended days that changed (intelligence.rollups).
ANALYTICS_ROLLUP_INTERVAL_SECONDS = max(10, env_int("ANALYTICS_ROLLUP_INTERVAL_SECONDS", 300))

_cors = env_list("CORS_ALLOWED_ORIGINS", "*")
CORS_URLS_REGEX = r"^/api/v1/.*$"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_ALL_ORIGINS = _cors == ["*"]
CORS_ALLOWED_ORIGINS = [] if CORS_ALLOW_ALL_ORIGINS else _cors
CORS_ALLOW_HEADERS = [
    "accept",
    "authorization",
    "content-type",
    "x-api-key",
    "x-request-id",
    "idempotency-key",
]
CORS_EXPOSE_HEADERS = ["x-request-id", "link", "retry-after", "idempotent-replayed"]

_email_url = env_str("EMAIL_URL")
if _email_url:
    globals().update(parse_email_url(_email_url))
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Routeswit <routing@localhost>")

SENTRY_DSN = env_str("SENTRY_DSN") or ""
if SENTRY_DSN:
    from routeswit.observability import sentry_init

    sentry_init(dsn=SENTRY_DSN)
# GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`; unset, it is 404 (open when DEBUG).
METRICS_TOKEN = env_str("METRICS_TOKEN") or ""

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["routeswit.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["routeswit.api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["routeswit.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["routeswit.api.parsers.JsonParser"],
    "DEFAULT_PAGINATION_CLASS": "routeswit.api.pagination.StartingAfterPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "routeswit.api.schema.RouteswitAutoSchema",
    "EXCEPTION_HANDLER": "routeswit.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%S.%fZ",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Routeswit API",
    "DESCRIPTION": "Lead routing: rulesets, reps, leads, contacts, analytics and SLA webhooks.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVERS": [{"url": "/"}],
}

# Celery: Redis when configured, else kombu's filesystem transport (no server needed for `make run`).
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 1,
        "socket_timeout": 2,
        "visibility_timeout": 3600,
    }
else:
    _queue_dir = BASE_DIR / "var" / "broker"
    for _sub in ("queue", "processed", "control"):
        os.makedirs(_queue_dir / _sub, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
# Publishing must never hang a request when the broker is down: work that matters is in the database.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")
# The worker logs through LOGGING below (JSON lines with the task id), not Celery's own handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# `json` (one object per line, via structlog) or `plain`; see routeswit/observability.py.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured("LOG_FORMAT must be json or plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "routeswit.api.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {
            "()": "routeswit.observability.PlainFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {"()": "routeswit.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.server": {"level": "WARNING"}},
}
