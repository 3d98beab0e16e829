"""The /slas endpoints: creation with a one-time signing secret, validation, reads, updates, deletion."""

import base64

import pytest

from intelligence.models import SlaPolicy
from tests.conftest import assert_error
from tests.intelligence.conftest import PUBLIC_URL

BODY = {"name": "Respond in 5", "threshold_minutes": 5, "webhook_url": PUBLIC_URL}


def test_create_returns_201_with_a_whsec_secret_of_32_random_bytes(api):
    status, body, _ = api.post("slas", BODY)
    assert status == 201
    assert body["id"].startswith("sla_")
    assert body["signing_secret"].startswith("whsec_")
    assert len(base64.b64decode(body["signing_secret"].removeprefix("whsec_"))) == 32


def test_create_applies_the_documented_defaults(api):
    body = api.post("slas", BODY)[1]
    assert {k: body[k] for k in ("is_active", "on_breach", "business_hours", "ruleset_id")} == {
        "is_active": True,
        "on_breach": "notify",
        "business_hours": False,
        "ruleset_id": None,
    }


def test_fractional_threshold_is_kept(api):
    assert api.post("slas", {**BODY, "threshold_minutes": 0.5})[1]["threshold_minutes"] == 0.5


def test_ruleset_id_accepts_slug_or_id(api, ruleset):
    by_slug = api.post("slas", {**BODY, "ruleset_id": "inbound"})[1]
    by_id = api.post("slas", {**BODY, "ruleset_id": ruleset.public_id})[1]
    assert by_slug["ruleset_id"] == by_id["ruleset_id"] == "inbound"


def test_secret_is_never_returned_after_creation(api, sla):
    secret = sla["signing_secret"]
    responses = [
        api.get(f"slas/{sla['id']}"),
        api.get("slas"),
        api.patch(f"slas/{sla['id']}", {"name": "Renamed"}),
        api.get(f"slas/{sla['id']}/breaches"),
        api.get(f"slas/{sla['id']}/deliveries"),
    ]
    for status, _, response in responses:
        assert status == 200
        assert secret not in response.content.decode()
        assert b"signing_secret" not in response.content


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("threshold_minutes", 0),
        ("threshold_minutes", -1),
        ("threshold_minutes", "soon"),
        ("threshold_minutes", True),
        ("threshold_minutes", 0.000001),
        ("on_breach", "escalate"),
        ("webhook_url", "http://93.184.215.14/hook"),
        ("webhook_url", "ftp://93.184.215.14/hook"),
        ("webhook_url", "not a url"),
        ("ruleset_id", "no-such-ruleset"),
        ("name", ""),
    ],
)
def test_invalid_field_is_422_naming_it(api, field, value):
    error = assert_error(api.post("slas", {**BODY, field: value}), 422, "VALIDATION_ERROR")
    assert list(error["details"]) == [field]
    assert SlaPolicy.objects.count() == 0


@pytest.mark.parametrize("field", ["name", "threshold_minutes", "webhook_url"])
def test_required_field_missing_is_422(api, field):
    body = {k: v for k, v in BODY.items() if k != field}
    error = assert_error(api.post("slas", body), 422, "VALIDATION_ERROR")
    assert field in error["details"]


def test_ruleset_of_another_org_is_422(api, api_b, org_b):
    from tests.intelligence.conftest import ruleset_create

    foreign = ruleset_create(org_b, "b-only")
    error = assert_error(api.post("slas", {**BODY, "ruleset_id": foreign.public_id}), 422, "VALIDATION_ERROR")
    assert list(error["details"]) == ["ruleset_id"]


def test_patch_changes_only_the_fields_sent(api, sla):
    status, body, _ = api.patch(f"slas/{sla['id']}", {"threshold_minutes": 2.5, "on_breach": "reroute"})
    assert status == 200
    assert (body["threshold_minutes"], body["on_breach"], body["name"]) == (2.5, "reroute", "Respond in 5")


def test_patch_with_invalid_value_is_422_and_changes_nothing(api, sla):
    assert_error(api.patch(f"slas/{sla['id']}", {"threshold_minutes": 0}), 422, "VALIDATION_ERROR")
    assert api.get(f"slas/{sla['id']}")[1]["threshold_minutes"] == 5


def test_patch_ruleset_null_clears_the_scope(api, ruleset):
    sla = api.post("slas", {**BODY, "ruleset_id": "inbound"})[1]
    assert api.patch(f"slas/{sla['id']}", {"ruleset_id": None})[1]["ruleset_id"] is None


def test_list_is_a_bare_array_paged_with_link(api):
    ids = [api.post("slas", {**BODY, "name": f"S{i}"})[1]["id"] for i in range(3)]
    status, first, response = api.get("slas", {"limit": 2})
    assert status == 200 and [s["id"] for s in first] == ids[:2]
    assert 'rel="next"' in response["Link"]
    second = api.get(f"slas?limit=2&starting_after={ids[1]}")[1]
    assert [s["id"] for s in second] == ids[2:]


def test_list_filters_by_is_active(api):
    api.post("slas", {**BODY, "name": "on"})
    api.post("slas", {**BODY, "name": "off", "is_active": False})
    assert [s["name"] for s in api.get("slas", {"is_active": "false"})[1]] == ["off"]


def test_delete_is_204_and_the_sla_is_gone(api, sla):
    assert api.delete(f"slas/{sla['id']}")[0] == 204
    assert_error(api.get(f"slas/{sla['id']}"), 404, "NOT_FOUND")
    assert api.get("slas")[1] == []


def test_read_only_key_cannot_create(read_only_api):
    assert_error(read_only_api.post("slas", BODY), 403, "FORBIDDEN")


def test_read_only_key_can_list(read_only_api, sla):
    assert read_only_api.get("slas")[0] == 200
