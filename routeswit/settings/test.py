"""Test settings: PostgreSQL and Redis from the environment, fast hashing, no HTTPS requirement."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/routeswit")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("REQUIRE_HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from .base import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The real Redis, with a prefix per run so counters (rate limits) never leak between runs.
CACHES["default"]["KEY_PREFIX"] = f"test-{os.getpid()}"  # noqa: F405
# Parallel runs on one machine (several checkouts) can each pick their own test database.
if os.environ.get("TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DB_NAME"]}  # noqa: F405
# The end-to-end worker retries webhooks after a second, not 30 s (intelligence.services.retry_delays).
if os.environ.get("WEBHOOK_RETRY_DELAYS"):
    WEBHOOK_RETRY_DELAYS = [float(s) for s in os.environ["WEBHOOK_RETRY_DELAYS"].split(",")]
