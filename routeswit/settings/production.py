"""Production hardening on top of base: HTTPS, secure cookies, HSTS."""

from .base import *  # noqa: F403
from .base import DEBUG, REQUIRE_HTTPS

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    # Pages may redirect to HTTPS; API calls never are (ApiGuardMiddleware answers 403 first).
    SECURE_SSL_REDIRECT = REQUIRE_HTTPS
    SECURE_REDIRECT_EXEMPT = [r"^api/"]
