"""Every response carries X-Request-Id: the client's own when well-formed, else a fresh req_<hex>."""

import re

import pytest

from tests.conftest import Api, assert_error

GENERATED = re.compile(r"^req_[0-9a-f]+$")


def test_response_carries_a_generated_request_id(api):
    _, _, response = api.get("reps")
    assert GENERATED.match(response["X-Request-Id"])


def test_each_response_gets_its_own_request_id(api):
    assert api.get("reps")[2]["X-Request-Id"] != api.get("reps")[2]["X-Request-Id"]


def test_client_request_id_is_echoed(api):
    _, _, response = api.get("reps", headers={"X-Request-Id": "client-Trace_42"})
    assert response["X-Request-Id"] == "client-Trace_42"


def test_client_request_id_of_64_characters_is_echoed(api):
    _, _, response = api.get("reps", headers={"X-Request-Id": "a" * 64})
    assert response["X-Request-Id"] == "a" * 64


@pytest.mark.parametrize(
    "sent", ["has spaces", "a" * 65, "semi;colon", "new\tline", "ünïcode"], ids=lambda s: s[:12]
)
def test_invalid_client_request_id_is_replaced(api, sent):
    _, _, response = api.get("reps", headers={"X-Request-Id": sent})
    assert GENERATED.match(response["X-Request-Id"])


def test_error_body_carries_the_client_request_id(db):
    error = assert_error(Api(None).get("reps", headers={"X-Request-Id": "mine-1"}), 401, "UNAUTHORIZED")
    assert error["request_id"] == "mine-1"


def test_pages_outside_the_api_carry_a_request_id_too(client):
    assert GENERATED.match(client.get("/")["X-Request-Id"])


def test_request_log_line_has_the_request_id(api, caplog):
    caplog.set_level("INFO", logger="routeswit.request")
    api.get("reps", headers={"X-Request-Id": "logged-7"})
    lines = [r for r in caplog.records if r.name == "routeswit.request"]
    assert [getattr(r, "request_id", None) for r in lines] == ["logged-7"]
    assert "GET /api/v1/reps 200" in lines[0].getMessage()
