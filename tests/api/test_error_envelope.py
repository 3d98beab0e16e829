"""Every error the foundation can produce answers the contract's envelope (api-v1.md §1), never HTML."""

import json
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings

from tests.conftest import Api, assert_error

REPO = Path(__file__).resolve().parents[2]


def test_unknown_path_is_404_json(api):
    status, body, response = api.get("no-such-thing")
    assert response["Content-Type"] == "application/json"
    error = assert_error((status, body, response), 404, "NOT_FOUND")
    assert "/api/v1/no-such-thing" in error["message"]


def test_unknown_path_is_404_json_without_a_key(db):
    assert_error(Api(None).get("/api/v1/reps/rep_x/activities"), 404, "NOT_FOUND")


def test_trailing_slash_is_404_json_not_a_redirect(api):
    assert_error(api.get("/api/v1/reps/"), 404, "NOT_FOUND")


def test_unknown_rep_id_is_404(api):
    assert_error(api.get("reps/rep_nobody"), 404, "NOT_FOUND")


def test_unknown_team_id_is_404(api):
    assert_error(api.get("teams/team_nobody"), 404, "NOT_FOUND")


def test_put_is_405(api, make_rep):
    rep = make_rep()
    assert_error(
        api.put(f"reps/{rep['id']}", {"name": "X", "email": "x@a.example"}), 405, "METHOD_NOT_ALLOWED"
    )


def test_post_to_health_is_405(db):
    assert_error(Api(None).post("health", {}), 405, "METHOD_NOT_ALLOWED")


def test_duplicate_email_is_409(api, make_rep):
    make_rep(email="alex@a.example")
    error = assert_error(api.post("reps", {"name": "A", "email": "alex@a.example"}), 409, "CONFLICT")
    assert "alex@a.example" in error["message"]


def test_body_over_one_mib_is_413(api):
    body = json.dumps({"name": "x" * settings.API_MAX_BODY_BYTES, "email": "a@a.example"})
    assert_error(api.post("reps", body), 413, "PAYLOAD_TOO_LARGE")


def test_body_over_one_mib_is_413_before_authentication(db):
    assert_error(Api(None).post("reps", "x" * (settings.API_MAX_BODY_BYTES + 1)), 413, "PAYLOAD_TOO_LARGE")


def test_body_of_exactly_one_mib_is_accepted_for_parsing(api):
    prefix, suffix = '{"email": "a@a.example", "name": "', '"}'
    name = "x" * (settings.API_MAX_BODY_BYTES - len(prefix) - len(suffix))
    error = assert_error(api.post("reps", prefix + name + suffix), 422, "VALIDATION_ERROR")
    assert "name" in error["details"]


def test_text_plain_body_is_415(api):
    result = api.post("reps", "name=Alex", content_type="text/plain")
    assert "text/plain" in assert_error(result, 415, "UNSUPPORTED_MEDIA_TYPE")["message"]


def test_form_body_is_415(api):
    result = api.post(
        "reps", "name=Alex&email=a%40a.example", content_type="application/x-www-form-urlencoded"
    )
    assert_error(result, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_malformed_json_is_422(api):
    error = assert_error(api.post("reps", '{"name": "Alex",'), 422, "VALIDATION_ERROR")
    assert error["message"].startswith("Malformed JSON")
    assert error["details"]


def test_json_array_body_is_422(api):
    error = assert_error(api.post("reps", [{"name": "Alex"}]), 422, "VALIDATION_ERROR")
    assert error["details"]


def test_missing_field_is_422_naming_it(api):
    error = assert_error(api.post("reps", {"email": "a@a.example"}), 422, "VALIDATION_ERROR")
    assert error["message"] == "name is required"
    assert error["details"] == {"name": ["This field is required."]}


def test_every_missing_field_is_in_details(api):
    error = assert_error(api.post("reps", {}), 422, "VALIDATION_ERROR")
    assert set(error["details"]) == {"name", "email"}


@pytest.fixture
def frozen_clock():
    # A fixed-window limiter: freeze the clock mid-window so the window cannot roll over during a test.
    with time_machine.travel(datetime(2030, 1, 1, 12, 0, 30, tzinfo=UTC), tick=False):
        yield


@override_settings(API_RATE_LIMIT=(3, 60))
def test_over_the_rate_limit_is_429_with_retry_after(api, frozen_clock):
    for _ in range(3):
        assert api.get("reps")[0] == 200
    result = api.get("reps")
    assert_error(result, 429, "RATE_LIMITED")
    assert result[2]["Retry-After"] == "30"


@override_settings(API_RATE_LIMIT=(3, 60))
def test_rate_limit_is_per_key(api, api_b, frozen_clock):
    for _ in range(4):
        api.get("reps")
    assert api_b.get("reps")[0] == 200


@override_settings(API_RATE_LIMIT=(3, 60))
def test_rate_limit_counts_both_header_forms_of_one_key(key_a, frozen_clock):
    for header in ("bearer", "x-api-key", "bearer"):
        assert Api(key_a.raw_key, header=header).get("reps")[0] == 200
    assert_error(Api(key_a.raw_key, header="x-api-key").get("reps"), 429, "RATE_LIMITED")


@override_settings(API_RATE_LIMIT=(3, 60))
def test_rate_limit_resets_in_the_next_window(api):
    with time_machine.travel(datetime(2030, 1, 1, 12, 0, 30, tzinfo=UTC), tick=False) as traveller:
        for _ in range(4):
            api.get("reps")
        traveller.shift(30)
        assert api.get("reps")[0] == 200


def test_unhandled_exception_is_500_without_traceback(api):
    with mock.patch("reps.selectors.rep_list", side_effect=RuntimeError("secret internals")):
        result = api.get("reps")
    error = assert_error(result, 500, "SERVER_ERROR")
    raw = result[2].content.decode()
    assert "secret internals" not in raw and "Traceback" not in raw and "RuntimeError" not in raw
    assert error["message"] == "Internal server error. Our team has been notified."


def test_unhandled_exception_is_logged_with_the_request_id(api, caplog):
    caplog.set_level(logging.ERROR)
    with mock.patch("reps.selectors.rep_list", side_effect=RuntimeError("secret internals")):
        api.get("reps", headers={"X-Request-Id": "req-trace-500"})
    logged = [r for r in caplog.records if r.exc_info and "secret internals" in str(r.exc_info[1])]
    assert logged, caplog.text
    assert all(getattr(r, "request_id", None) == "req-trace-500" for r in logged)


DB_DOWN_SCRIPT = """
import json, django
django.setup()
from django.test import Client
out = {}
for name, path, headers in [
    ("health", "/api/v1/health", {}),
    ("reps", "/api/v1/reps", {"Authorization": "Bearer sk_live_" + "A" * 32}),
]:
    r = Client().get(path, headers=headers)
    out[name] = {"status": r.status_code, "body": json.loads(r.content),
                 "retry_after": r.get("Retry-After"), "request_id": r.get("X-Request-Id")}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def db_down():
    """Health and an API call in a process whose database is a closed port."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "routeswit.settings.test",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/x",
        "DEBUG": "true",
    }
    done = subprocess.run(
        [sys.executable, "-c", DB_DOWN_SCRIPT], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_database_down_makes_health_503_naming_it(db_down):
    health = db_down[0]["health"]
    assert health["status"] == 503
    error = health["body"]["error"]
    assert error["code"] == "SERVICE_UNAVAILABLE"
    assert "database" in error["message"]
    assert error["request_id"] == health["request_id"]
    assert health["retry_after"]


def test_database_down_makes_api_calls_503_with_the_envelope(db_down):
    reps = db_down[0]["reps"]
    assert reps["status"] == 503
    assert reps["body"]["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert reps["body"]["error"]["request_id"] == reps["request_id"]
    assert reps["retry_after"]
    assert "Traceback" not in json.dumps(reps["body"])


def test_database_down_is_logged_with_the_request_id(db_down):
    assert db_down[0]["reps"]["request_id"] in db_down[1]


@pytest.mark.parametrize("path", ["reps/rep%00x", "teams/team%00x", "reps%00"])
def test_nul_in_the_path_is_404_not_500(api, path):
    assert_error(api.get(path), 404, "NOT_FOUND")


def test_nul_in_a_query_parameter_is_422_not_500(api):
    error = assert_error(api.get("reps", {"starting_after": "rep_\x00"}), 422, "VALIDATION_ERROR")
    assert list(error["details"]) == ["starting_after"]
