"""Organization B's key sees none of organization A's routing objects: every endpoint answers 404 or empty."""

import pytest

from tests.conftest import assert_error


@pytest.fixture
def a_objects(api, make_rep, save_rules, route):
    make_rep("rep_a")
    ruleset = save_rules("secret-rules", [{"target_id": "rep_a"}])
    lead = route("secret-rules", lead_id="A-LEAD")
    return {"ruleset": ruleset, "lead": lead}


def test_b_cannot_read_or_change_a_rulesets(api_b, a_objects):
    ruleset = a_objects["ruleset"]
    for ref in ("secret-rules", ruleset["id"]):
        assert_error(api_b.get(f"rules/{ref}"), 404, "NOT_FOUND")
        assert_error(api_b.get(f"rules/{ref}/versions"), 404, "NOT_FOUND")
        assert_error(api_b.delete(f"rules/{ref}"), 404, "NOT_FOUND")
        assert_error(api_b.post(f"rules/{ref}/simulate", {"rules": []}), 404, "NOT_FOUND")
    assert api_b.get("rules")[1] == [] and api_b.get("routing/rules")[1] == []


def test_b_cannot_preview_with_a_rulesets_or_leads(api_b, a_objects):
    assert_error(api_b.get("routing/evaluate", {"ruleset": "secret-rules"}), 404, "NOT_FOUND")
    assert_error(
        api_b.post("routing/evaluate", {"ruleset_id": "secret-rules", "attributes": {}}), 404, "NOT_FOUND"
    )
    for ref in ("A-LEAD", a_objects["lead"]["id"]):
        assert_error(api_b.get("routing/re-refer", {"lead_id": ref}), 404, "NOT_FOUND")


def test_b_cannot_read_or_change_a_leads(api_b, a_objects):
    for ref in ("A-LEAD", a_objects["lead"]["id"]):
        assert_error(api_b.get(f"leads/{ref}"), 404, "NOT_FOUND")
        assert_error(api_b.patch(f"leads/{ref}", {"status": "LOST"}), 404, "NOT_FOUND")
        assert_error(api_b.post(f"leads/{ref}/reroute", {}), 404, "NOT_FOUND")
    assert api_b.get("leads")[1] == []


def test_b_cannot_route_into_a_ruleset_or_target_a_reps(api_b, a_objects):
    error = assert_error(
        api_b.post("leads", {"lead_id": "x", "ruleset_id": "secret-rules", "attributes": {}}),
        422,
        "VALIDATION_ERROR",
    )
    assert "ruleset_id" in error["details"]
    error = assert_error(
        api_b.post("rules", {"slug": "mine", "rules": [{"target_id": "rep_a"}]}), 422, "VALIDATION_ERROR"
    )
    assert "rules[0].target_id" in error["details"]


def test_same_lead_id_and_slug_are_independent_per_organization(api_b, a_objects):
    api_b.post("reps", {"id": "rep_a", "name": "B's own", "email": "b@b.example"})
    assert api_b.post("rules", {"slug": "secret-rules", "rules": [{"target_id": "rep_a"}]})[0] == 201
    status, lead, _ = api_b.post(
        "leads", {"lead_id": "A-LEAD", "ruleset_id": "secret-rules", "attributes": {}}
    )
    assert (
        status == 201
        and lead["id"] != a_objects["lead"]["id"]
        and lead["assignment"]["rep"]["name"] == "B's own"
    )


def test_restricted_key_scopes_apply_to_routing(restricted_api, a_objects):
    assert restricted_api.get("routing/evaluate", {"ruleset": "secret-rules"})[0] == 200
    assert (
        restricted_api.post("leads", {"lead_id": "r1", "ruleset_id": "secret-rules", "attributes": {}})[0]
        == 201
    )
    assert_error(restricted_api.get("rules"), 403, "FORBIDDEN")
    assert_error(restricted_api.post("rules", {"slug": "x", "rules": []}), 403, "FORBIDDEN")


def test_read_only_key_cannot_route_or_save(read_only_api, a_objects):
    assert_error(
        read_only_api.post("leads", {"lead_id": "r", "ruleset_id": "secret-rules", "attributes": {}}),
        403,
        "FORBIDDEN",
    )
    assert_error(read_only_api.post("rules", {"slug": "x", "rules": []}), 403, "FORBIDDEN")
    assert read_only_api.get("leads")[0] == 200 and read_only_api.get("rules")[0] == 200
