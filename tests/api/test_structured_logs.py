"""Structured logs: one JSON line per API request and per Celery task run, the request id on every line,
and never a full API key."""

import io
import json
import logging
from unittest import mock

import pytest

from routeswit.api.request_id import reset_request_id, set_request_id
from routeswit.observability import JsonFormatter, PlainFormatter


@pytest.fixture
def json_lines():
    """The JSON lines written by the root logger while the test runs."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_api_request_is_one_json_line_with_its_fields(api, key_a, json_lines):
    api.get("reps", headers={"X-Request-Id": "json-1"})
    (line,) = [entry for entry in json_lines() if entry["logger"] == "routeswit.request"]
    assert line["request_id"] == "json-1"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/v1/reps", 200)
    assert line["org"] == "org-a"
    assert line["key"] == key_a.api_key.display and line["key"].startswith("sk_live_…")
    assert isinstance(line["duration_ms"], float)


def test_request_line_never_holds_the_full_key(api, key_a, json_lines):
    api.get("reps")
    api.get("nowhere")
    assert json_lines() and key_a.raw_key not in json.dumps(json_lines())


def test_every_record_carries_the_request_id_without_a_handler_filter():
    token = set_request_id("req_factory")
    try:
        record = logging.getLogger("anything").makeRecord(
            "anything", logging.INFO, __file__, 1, "m", (), None
        )
    finally:
        reset_request_id(token)
    assert record.request_id == "req_factory"


def test_django_response_log_line_after_the_middleware_has_the_request_id(api, json_lines):
    api.get("reps/rep_missing", headers={"X-Request-Id": "late-1"})
    django_lines = [entry for entry in json_lines() if entry["logger"] == "django.request"]
    assert django_lines and all(entry["request_id"] == "late-1" for entry in django_lines)


def test_secrets_are_masked_in_json_and_plain_lines(json_lines):
    secret = "sk_live_" + "A" * 32
    logging.getLogger("routeswit.test").warning("oops %s whsec_%s", secret, "B" * 40)
    assert secret not in json_lines()[0]["event"] and "whsec_BBBB" not in json_lines()[0]["event"]
    record = logging.getLogger("x").makeRecord("x", logging.INFO, __file__, 1, "key %s", (secret,), None)
    assert secret not in PlainFormatter("%(message)s").format(record)


def test_task_run_is_one_line_with_name_id_duration_and_outcome(db, json_lines):
    from routeswit.orgs.tasks import idempotency_keys_purge

    result = idempotency_keys_purge.apply()
    (line,) = [entry for entry in json_lines() if entry["logger"] == "routeswit.task"]
    assert line["task"] == "routeswit.orgs.tasks.idempotency_keys_purge"
    assert line["task_id"] == result.id and line["request_id"] == result.id
    assert line["outcome"] == "SUCCESS" and line["duration_ms"] >= 0


def test_failed_task_is_logged_as_failure_with_the_error_class(db, json_lines):
    from intelligence.tasks import sla_breaches_check

    with mock.patch("intelligence.services.sla_breaches_check", side_effect=RuntimeError("boom")):
        sla_breaches_check.apply()
    (line,) = [entry for entry in json_lines() if entry["logger"] == "routeswit.task"]
    assert line["outcome"] == "FAILURE" and line["error"] == "RuntimeError" and line["level"] == "error"
