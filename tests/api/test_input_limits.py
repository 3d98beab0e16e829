"""Hostile input: oversize, chunked, wide, deep, long, badly encoded, NUL-laden, huge numbers, regex bombs.

Every answer is the contract's envelope with a 4xx, never a 500, and the service stays healthy afterwards.
"""

import http.client
import json
import time

import pytest
from django.conf import settings
from django.db import connection

from routeswit.orgs.services import api_key_create, org_create
from tests.conftest import assert_error
from tests.e2e.sla_processes import worker_env
from tests.e2e.web_processes import Web

MIB = 1024 * 1024


def _lead(attributes: dict, lead_id: str = "L-1") -> dict:
    return {"lead_id": lead_id, "ruleset_id": "inbound", "attributes": attributes}


@pytest.fixture
def inbound(make_rep, save_rules):
    make_rep("rep_a")
    return save_rules("inbound", [{"target_id": "rep_a"}])


def test_body_over_one_mib_is_413(api):
    body = json.dumps(_lead({"blob": "x" * (MIB + 10)}))
    assert_error(api.post("leads", body), 413, "PAYLOAD_TOO_LARGE")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_chunked_body_over_one_mib_is_refused_by_a_real_server_which_stays_healthy(tmp_path):
    key = api_key_create(org=org_create(name="Chunks", slug="chunks")).raw_key
    web = Web(
        env=worker_env(database_name=connection.settings_dict["NAME"], redis_url=settings.REDIS_URL),
        workdir=tmp_path,
    )
    try:
        conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=30)
        chunks = (b"x" * 65536 for _ in range(24))  # 1.5 MiB, no Content-Length
        conn.request(
            "POST",
            "/api/v1/leads",
            body=chunks,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            encode_chunked=True,
        )
        response = conn.getresponse()
        body = json.loads(response.read())
        conn.close()
        assert response.status in (400, 413), body
        assert body["error"]["code"] in ("PAYLOAD_TOO_LARGE", "BAD_REQUEST")
        assert web.request("GET", "/api/v1/health")[0] == 200
        assert web.process.poll() is None
    finally:
        web.stop()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_small_chunked_body_is_read_by_a_real_server(tmp_path):
    key = api_key_create(org=org_create(name="Chunks", slug="chunks")).raw_key
    web = Web(
        env=worker_env(database_name=connection.settings_dict["NAME"], redis_url=settings.REDIS_URL),
        workdir=tmp_path,
    )
    try:
        conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=30)
        rep = json.dumps({"name": "Chunky", "email": "chunky@a.example"}).encode()
        conn.request(
            "POST",
            "/api/v1/reps",
            body=iter([rep[:10], rep[10:]]),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            encode_chunked=True,
        )
        response = conn.getresponse()
        body = json.loads(response.read())
        conn.close()
        assert response.status == 201, body
        assert body["name"] == "Chunky"
    finally:
        web.stop()


def test_ten_thousand_attribute_keys_are_422(api, inbound):
    attributes = {f"k{i}": i for i in range(10_000)}
    error = assert_error(api.post("leads", _lead(attributes)), 422, "VALIDATION_ERROR")
    assert "attributes" in error["details"]


def test_attributes_nested_past_the_limit_are_422(api, inbound):
    nested: dict = {"leaf": 1}
    for _ in range(10):
        nested = {"n": nested}
    error = assert_error(api.post("leads", _lead(nested)), 422, "VALIDATION_ERROR")
    assert any(path.startswith("attributes") for path in error["details"])


def test_json_nested_beyond_the_parser_recursion_is_422(api, inbound):
    depth = 100_000
    body = '{"lead_id": "L-1", "ruleset_id": "inbound", "attributes": ' + "[" * depth + "]" * depth + "}"
    assert_error(api.post("leads", body), 422, "VALIDATION_ERROR")


def test_a_900_kb_string_value_is_accepted_or_422(api, inbound):
    status, body, _ = api.post("leads", _lead({"notes": "y" * 900_000}))
    assert status in (201, 422), body
    if status == 422:
        assert body["error"]["code"] == "VALIDATION_ERROR"


def test_invalid_utf8_body_is_an_envelope(api, inbound):
    raw = b'{"lead_id": "L-1", "ruleset_id": "inbound", "attributes": {"name": "\xff\xfe\xc3"}}'
    status, body, response = api.post("leads", raw)
    assert status in (415, 422), body
    assert_error(
        (status, body, response), status, "VALIDATION_ERROR" if status == 422 else "UNSUPPORTED_MEDIA_TYPE"
    )


def test_nul_in_a_json_string_is_422(api, inbound):
    error = assert_error(api.post("leads", _lead({"name": "a\u0000b"})), 422, "VALIDATION_ERROR")
    assert "attributes.name" in error["details"]


def test_nul_in_a_json_key_is_422(api, inbound):
    assert_error(api.post("leads", _lead({"na\u0000me": "x"})), 422, "VALIDATION_ERROR")


def test_nul_in_a_plain_field_is_422_not_a_database_error(api):
    error = assert_error(
        api.post("reps", {"name": "A\u0000", "email": "a@a.example"}), 422, "VALIDATION_ERROR"
    )
    assert "name" in error["details"]


def test_an_integer_beyond_64_bits_in_attributes_is_422(api, inbound):
    body = '{"lead_id": "L-1", "ruleset_id": "inbound", "attributes": {"n": 99999999999999999999999}}'
    assert_error(api.post("leads", body), 422, "VALIDATION_ERROR")


def test_an_integer_beyond_64_bits_in_a_number_field_is_422(api):
    body = '{"name": "A", "email": "a@a.example", "max_open_leads": 99999999999999999999999}'
    assert_error(api.post("reps", body), 422, "VALIDATION_ERROR")


def test_a_backtracking_regex_routes_in_linear_time(api, make_rep, save_rules):
    make_rep("rep_a")
    save_rules("bomb", [{"condition": "attributes.s.matches('(a+)+$')", "target_id": "rep_a"}])
    started = time.monotonic()
    status, lead, _ = api.post(
        "leads", {"lead_id": "B-1", "ruleset_id": "bomb", "attributes": {"s": "a" * 50_000 + "!"}}
    )
    elapsed = time.monotonic() - started
    assert status == 201, lead
    assert lead["status"] == "UNASSIGNED"
    assert elapsed < 1.0


def test_health_is_200_after_hostile_input(api, inbound):
    api.post("leads", "{" * 50_000)
    api.post("leads", b"\xff" * 1000)
    api.post("leads", _lead({"x\u0000": "\u0000"}))
    status, body, _ = api.get("health")
    assert status == 200 and body == {"status": "ok"}
