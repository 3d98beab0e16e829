"""Request ids on every response and log line; API guards that run before any view (HTTPS, body size)."""

import io
import logging
import time

from django.conf import settings
from django.core.signals import request_finished

from routeswit import metrics
from routeswit.api.errors import Envelope, summarize, to_envelope
from routeswit.api.request_id import choose_request_id, current_request_id, set_request_id

API_PREFIX = "/api/v1/"
HTTPS_EXEMPT = ("/api/v1/health",)
log = logging.getLogger("routeswit.request")


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # The LogRecord factory (routeswit.observability) stamps it when the record is made; keep that value.
        record.request_id = getattr(record, "request_id", None) or current_request_id()
        return True


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = choose_request_id(request.headers.get("X-Request-Id"))
        # Cleared when the response is closed (request_finished), not on the way out: Django logs 4xx/5xx
        # responses after the middleware has returned, and that line carries the request id too.
        set_request_id(request.request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response["X-Request-Id"] = request.request_id
        metrics.request_observe(request, response, time.perf_counter() - started)
        if request.path.startswith(API_PREFIX):
            log_request(request, response, started)
        return response


def _clear_request_id(**kwargs) -> None:
    set_request_id("-")


request_finished.connect(_clear_request_id, dispatch_uid="routeswit-clear-request-id")


def log_request(request, response, started: float) -> None:
    """One line per API call; the key only as its display form (sk_live_…last4), never the key itself."""
    api_key = getattr(request, "api_key", None)
    fields = {
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "org": api_key.org.slug if api_key else None,
        "key": api_key.display if api_key else None,
    }
    log.info(
        "%s %s %s %.1fms org=%s key=%s",
        *(fields[name] for name in ("method", "path", "status", "duration_ms")),
        fields["org"] or "-",
        fields["key"] or "-",
        extra=fields,
    )


def is_https(request) -> bool:
    # request.is_secure() honours SECURE_PROXY_SSL_HEADER, set only when TRUST_X_FORWARDED_PROTO is on.
    return request.is_secure()


class ApiGuardMiddleware:
    """Refuse plain HTTP (403, never a redirect: that would already have sent the key) and oversize bodies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if settings.REQUIRE_HTTPS and not is_https(request) and not request.path.startswith(HTTPS_EXEMPT):
            return Envelope(403, "HTTPS_REQUIRED", "Use HTTPS: plain-HTTP API calls are refused.").django()
        if _declared_length(request) > settings.API_MAX_BODY_BYTES or not _chunked_body_read(request):
            return Envelope(413, "PAYLOAD_TOO_LARGE", "The request body is over 1 MiB.").django()
        # PostgreSQL refuses NUL in text: an id or filter holding one would otherwise be a 500.
        if "\x00" in request.path:
            return Envelope(404, "NOT_FOUND", "No API endpoint at this path.").django()
        nul_params = sorted({k for k, v in request.GET.lists() if "\x00" in k or any("\x00" in x for x in v)})
        if nul_params:
            details = {name: ["Null characters are not allowed."] for name in nul_params}
            return Envelope(422, "VALIDATION_ERROR", summarize(details), details).django()
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith(API_PREFIX):
            return to_envelope(exception).django()
        return None


def _chunked_body_read(request) -> bool:
    """A chunked body has no Content-Length, so Django would read it as empty: read it here, at most the
    limit. False when it is over the limit; otherwise the request reads it as if its length were declared."""
    if (
        request.META.get("CONTENT_LENGTH")
        or "chunked" not in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    ):
        return True
    body = request.environ["wsgi.input"].read(settings.API_MAX_BODY_BYTES + 1)
    if len(body) > settings.API_MAX_BODY_BYTES:
        return False
    request.META["CONTENT_LENGTH"] = str(len(body))
    request._stream = io.BytesIO(body)
    return True


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
