"""Structured logs (JSON through structlog, or plain text), one log line per Celery task run, and Sentry.

Every log record gets the current request id from a LogRecord factory, so it is on every line whatever
handler writes it (Django's, Celery's, gunicorn's). Inside a Celery task the "request id" is the task id.
Secrets (API keys, webhook signing secrets) are masked in every line and in every Sentry event.
"""

import logging
import re
import time

import structlog

from routeswit.api.request_id import current_request_id, reset_request_id, set_request_id

SECRET_PATTERN = re.compile(r"\b(?:sk|rk)_live_[A-Za-z0-9]{6,}|\bwhsec_[A-Za-z0-9+/=]{8,}")
REDACTED = "[redacted]"
SECRET_HEADERS = {"authorization", "x-api-key", "cookie", "proxy-authorization"}
task_log = logging.getLogger("routeswit.task")


def redact(text: str) -> str:
    return SECRET_PATTERN.sub(REDACTED, text)


# --- request id on every record -------------------------------------------------------------------------


def install_record_factory() -> None:
    """Wrap the LogRecord factory once: every record carries `request_id` (no handler filter needed)."""
    base = logging.getLogRecordFactory()
    if getattr(base, "adds_request_id", False):
        return

    def factory(*args, **kwargs):
        record = base(*args, **kwargs)
        record.request_id = current_request_id()
        return record

    factory.adds_request_id = True
    logging.setLogRecordFactory(factory)


install_record_factory()


# --- formatters (named in settings.LOGGING) -------------------------------------------------------------


def _redact_event(_logger, _name, event_dict: dict) -> dict:
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = redact(value)
    return event_dict


def _add_request_id(_logger, _name, event_dict: dict) -> dict:
    event_dict.setdefault("request_id", current_request_id())
    return event_dict


PRE_CHAIN = [
    structlog.contextvars.merge_contextvars,
    _add_request_id,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.ExtraAdder(),
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


class JsonFormatter(structlog.stdlib.ProcessorFormatter):
    """One JSON object per line: timestamp, level, logger, event, request_id and the record's extras."""

    def __init__(self, *args, **kwargs):
        super().__init__(
            *args,
            foreign_pre_chain=PRE_CHAIN,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                _redact_event,
                structlog.processors.JSONRenderer(),
            ],
            **kwargs,
        )


class PlainFormatter(logging.Formatter):
    """The classic one-line format (development), with secrets masked all the same."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


structlog.configure(
    processors=[*PRE_CHAIN, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)


# --- one line per Celery task run -----------------------------------------------------------------------

_runs: dict[str, dict] = {}


def task_started(task_id: str, task, **_) -> None:
    _runs[task_id] = {"started": time.perf_counter(), "token": set_request_id(task_id), "error": None}


def task_failed(task_id: str, exception=None, **_) -> None:
    run = _runs.get(task_id)
    if run is not None and exception is not None:
        run["error"] = exception.__class__.__name__


def task_finished(task_id: str, task, state: str | None = None, **_) -> None:
    run = _runs.pop(task_id, None)
    if run is None:
        return
    duration_ms = round((time.perf_counter() - run["started"]) * 1000, 1)
    outcome = state or "UNKNOWN"
    fields = {"task": task.name, "task_id": task_id, "duration_ms": duration_ms, "outcome": outcome}
    if run["error"]:
        fields["error"] = run["error"]
    level = logging.ERROR if outcome == "FAILURE" else logging.INFO
    task_log.log(level, "task %s %s %s %.1fms", task.name, task_id, outcome, duration_ms, extra=fields)
    try:
        reset_request_id(run["token"])
    except ValueError:  # set in another context (a pool that moved the task): nothing to restore
        pass


def connect_task_signals() -> None:
    from celery import signals

    signals.task_prerun.connect(task_started, weak=False, dispatch_uid="routeswit-task-started")
    signals.task_failure.connect(task_failed, weak=False, dispatch_uid="routeswit-task-failed")
    signals.task_postrun.connect(task_finished, weak=False, dispatch_uid="routeswit-task-finished")


connect_task_signals()


# --- Sentry ---------------------------------------------------------------------------------------------


def sentry_before_send(event: dict, hint: dict | None = None) -> dict:
    """Drop credential headers, mask whatever looks like a key or a signing secret, tag the request id."""
    request = event.get("request") or {}
    headers = request.get("headers")
    if isinstance(headers, dict):
        request["headers"] = {k: v for k, v in headers.items() if k.lower() not in SECRET_HEADERS}
    elif isinstance(headers, list):
        request["headers"] = [pair for pair in headers if str(pair[0]).lower() not in SECRET_HEADERS]
    request_id = current_request_id()
    if request_id != "-":
        event.setdefault("tags", {}).setdefault("request_id", request_id)
    return _scrub(event)


def _scrub(value):
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _scrub(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(item) for item in value]
    return value


def sentry_init(*, dsn: str, **options) -> None:
    """Called by settings when SENTRY_DSN is set (tests pass a collecting `transport`)."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        before_send=sentry_before_send,
        **options,
    )
