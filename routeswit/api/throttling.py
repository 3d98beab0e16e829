"""Per-key rate limit in the cache (Redis in production): a fixed-window counter that fails open."""

import logging
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

log = logging.getLogger("routeswit.api")
# After a cache failure, skip the limiter for a few seconds instead of paying a timeout on every request.
COOL_OFF_SECONDS = 5.0
_cache_down_until = 0.0


class ApiKeyRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        global _cache_down_until
        api_key = request.auth
        if api_key is None or not hasattr(api_key, "public_id"):
            return True
        now = time.time()
        if now < _cache_down_until:
            return True
        limit, window = settings.API_RATE_LIMIT
        bucket = int(now // window)
        self._wait = window - (now % window)
        key = f"rl:{api_key.public_id}:{window}:{bucket}"
        try:
            cache.add(key, 0, timeout=window + 1)
            count = cache.incr(key)
        except Exception as exc:  # noqa: BLE001 - any cache failure: serve the request, say so in the log
            _cache_down_until = now + COOL_OFF_SECONDS
            log.warning("rate limiter unavailable, failing open: %s", exc.__class__.__name__)
            return True
        return count <= limit

    def wait(self) -> float:
        return self._wait
