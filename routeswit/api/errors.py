"""Domain exceptions and the one exception handler that turns every error into the contract's envelope."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

from routeswit.api.request_id import current_request_id

log = logging.getLogger("routeswit.api")

DB_RETRY_AFTER_SECONDS = 5


class ApiError(Exception):
    status = 400
    code = "BAD_REQUEST"

    def __init__(self, message: str = "", details: dict | None = None):
        super().__init__(message)
        self.message = message or self.default_message()
        self.details = details

    def default_message(self) -> str:
        return self.code.replace("_", " ").capitalize()


class ValidationFailed(ApiError):
    """422 with details mapping field paths (`rules[2].condition`) to lists of messages."""

    status = 422
    code = "VALIDATION_ERROR"

    def __init__(self, details: dict, message: str = ""):
        details = {k: v if isinstance(v, list) else [v] for k, v in details.items()}
        super().__init__(message or summarize(details), details)


class NotFoundError(ApiError):
    status = 404
    code = "NOT_FOUND"


class ConflictError(ApiError):
    status = 409
    code = "CONFLICT"


class ForbiddenError(ApiError):
    status = 403
    code = "FORBIDDEN"


class BusyError(ApiError):
    """503 with Retry-After: a request that lost every retry to concurrent writers; nothing was written."""

    status = 503
    code = "SERVICE_UNAVAILABLE"
    retry_after = 1


def summarize(details: dict) -> str:
    """One human sentence for the first problem: 'ruleset_id is required'."""
    if not details:
        return "The request is invalid."
    field, messages = next(iter(details.items()))
    message = str(messages[0]) if messages else "is invalid"
    if message == "This field is required.":
        return f"{field} is required"
    if field in ("non_field_errors", "__all__", ""):
        return message
    return f"{field}: {message}"


def flatten(detail, path: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure -> {"rules[2].condition": ["..."]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            # DRF keys list items by int index ({"rules": {2: {...}}}): render them as rules[2].
            child = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else str(key)
            if key == "non_field_errors" and path:
                child = path
            out.update(flatten(value, child))
    elif isinstance(detail, list) and detail and all(isinstance(d, str) for d in detail):
        out.setdefault(path or "non_field_errors", []).extend(str(d) for d in detail)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            out.update(flatten(value, f"{path}[{index}]"))
    elif detail:
        out.setdefault(path or "non_field_errors", []).append(str(detail))
    return out


class Envelope:
    """An error as status, body and headers, rendered by Django (middleware) or DRF (views)."""

    def __init__(self, status: int, code: str, message: str, details=None, headers: dict | None = None):
        self.status = status
        self.body = {"error": {"code": code, "message": message, "request_id": current_request_id()}}
        if details is not None:
            self.body["error"]["details"] = details
        self.headers = headers or {}

    def django(self) -> JsonResponse:
        response = JsonResponse(self.body, status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response

    def drf(self) -> Response:
        return Response(self.body, status=self.status, headers=self.headers)


_DRF_CODES = {
    drf.NotAuthenticated: (401, "UNAUTHORIZED"),
    drf.AuthenticationFailed: (401, "UNAUTHORIZED"),
    drf.PermissionDenied: (403, "FORBIDDEN"),
    drf.NotFound: (404, "NOT_FOUND"),
    drf.MethodNotAllowed: (405, "METHOD_NOT_ALLOWED"),
    drf.NotAcceptable: (406, "NOT_ACCEPTABLE"),
    drf.UnsupportedMediaType: (415, "UNSUPPORTED_MEDIA_TYPE"),
    drf.Throttled: (429, "RATE_LIMITED"),
}


def to_envelope(exc: Exception) -> Envelope:
    """Map any exception to the envelope; unknown ones become a logged 500 with no traceback."""
    if isinstance(exc, ApiError):
        retry = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry)} if retry else None
        return Envelope(exc.status, exc.code, exc.message, exc.details, headers=headers)
    if isinstance(exc, drf.ValidationError):
        details = flatten(exc.detail)
        return Envelope(422, "VALIDATION_ERROR", summarize(details), details)
    if isinstance(exc, drf.ParseError):
        return Envelope(422, "VALIDATION_ERROR", f"Malformed JSON: {exc.detail}", {"body": [str(exc.detail)]})
    if isinstance(exc, (Http404,)):
        return Envelope(404, "NOT_FOUND", "Not found.")
    if isinstance(exc, DjangoPermissionDenied):
        return Envelope(403, "FORBIDDEN", "You do not have permission to perform this action.")
    if isinstance(exc, RequestDataTooBig):
        return Envelope(413, "PAYLOAD_TOO_LARGE", "The request body is over 1 MiB.")
    if isinstance(exc, (OperationalError, InterfaceError)):
        log.error("database unavailable: %s", exc.__class__.__name__)
        return Envelope(
            503,
            "SERVICE_UNAVAILABLE",
            "The database is unreachable; try again shortly.",
            headers={"Retry-After": str(DB_RETRY_AFTER_SECONDS)},
        )
    for cls, (status, code) in _DRF_CODES.items():
        if isinstance(exc, cls):
            headers = {}
            if isinstance(exc, drf.Throttled) and exc.wait is not None:
                headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
            if status == 401:
                headers["WWW-Authenticate"] = 'Bearer realm="api"'
            return Envelope(status, code, str(exc.detail), headers=headers)
    if isinstance(exc, drf.APIException):
        return Envelope(exc.status_code, "ERROR", str(exc.detail))
    if isinstance(exc, DatabaseError):
        log.exception("database error")
    else:
        log.exception("unhandled error")
    report_error(exc)
    return Envelope(500, "SERVER_ERROR", "Internal server error. Our team has been notified.")


def report_error(exc: Exception) -> None:
    """Hand a 500 to Sentry when configured; the log line above always has the request id."""
    try:
        import sentry_sdk
    except ImportError:
        return
    with sentry_sdk.new_scope() as scope:
        scope.set_tag("request_id", current_request_id())
        sentry_sdk.capture_exception(exc)


def exception_handler(exc, context) -> Response:
    return to_envelope(exc).drf()
