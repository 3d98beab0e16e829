from tests.conftest import assert_error

EXAMPLE = {
    "name": "EMEA Inbound",
    "slug": "emea-inbound",
    "rules": [{"condition": "attributes.country == 'UK'", "target_id": "rep_london_office"}],
}


def test_routeswit_example_ruleset_works_as_written(api, make_rep):
    make_rep("rep_london_office")
    status, body, _ = api.post("rules", EXAMPLE)
    assert status == 201
    assert body["slug"] == "emea-inbound" and body["version"] == 1
    rule = body["rules"][0]
    assert rule["name"] == "Rule 1" and rule["priority"] == 1 and rule["tier"] == 1
    assert rule["distribution"] == "round_robin" and rule["is_active"] is True
    assert rule["id"].startswith("rule_") and body["id"].startswith("rs_")


def test_update_creates_a_new_version_with_200(api, make_rep):
    make_rep("rep_london_office")
    api.post("rules", EXAMPLE)
    status, body, _ = api.post("rules", {**EXAMPLE, "description": "v2"})
    assert status == 200 and body["version"] == 2
    status, versions, _ = api.get("rules/emea-inbound/versions")
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[0]["is_current"] and not versions[1]["is_current"]


def test_rule_keeps_its_id_across_versions_while_its_name_stays(api, make_rep):
    make_rep("rep_london_office")
    first = api.post("rules", EXAMPLE)[1]["rules"][0]
    second = api.post("rules", {**EXAMPLE, "rules": [{**EXAMPLE["rules"][0], "tier": 2}]})[1]["rules"][0]
    assert second["id"] == first["id"] and second["created_at"] == first["created_at"]
    assert second["updated_at"] > first["updated_at"]


def test_ruleset_readable_by_slug_and_by_id(api, make_rep):
    make_rep("rep_london_office")
    created = api.post("rules", EXAMPLE)[1]
    assert api.get("rules/emea-inbound")[1]["id"] == created["id"]
    assert api.get(f"rules/{created['id']}")[1]["slug"] == "emea-inbound"


def test_list_returns_current_versions_without_archived(api, make_rep):
    make_rep("rep_london_office")
    api.post("rules", EXAMPLE)
    api.post("rules", {**EXAMPLE, "slug": "other"})
    assert api.delete("rules/other")[0] == 204
    status, listed, _ = api.get("rules")
    assert status == 200 and [r["slug"] for r in listed] == ["emea-inbound"]
    assert_error(api.get("rules/other"), 404, "NOT_FOUND")


def test_unknown_target_is_422_naming_the_rule(api):
    error = assert_error(api.post("rules", EXAMPLE), 422, "VALIDATION_ERROR")
    assert "rules[0].target_id" in error["details"]


def test_syntax_error_is_422_with_position(api, make_rep):
    make_rep("rep_x")
    rules = [
        {"condition": "true", "target_id": "rep_x"},
        {"condition": "attributes.country == ", "target_id": "rep_x"},
    ]
    error = assert_error(api.post("rules", {"slug": "s", "rules": rules}), 422, "VALIDATION_ERROR")
    message = error["details"]["rules[1].condition"][0]
    assert any(ch.isdigit() for ch in message) and ":" in message


def test_unknown_function_variable_and_bad_regex_are_422(api, make_rep):
    make_rep("rep_x")
    for condition in (
        "exists(attributes.a)",
        "foo.bar == 1",
        "attributes.a.matches('(')",
        "__import__('os')",
    ):
        rules = [{"condition": condition, "target_id": "rep_x"}]
        error = assert_error(api.post("rules", {"slug": "s", "rules": rules}), 422, "VALIDATION_ERROR")
        assert "rules[0].condition" in error["details"], condition


def test_structured_condition_error_is_keyed_by_position(api, make_rep):
    make_rep("rep_x")
    rules = [
        {
            "conditions": [{"field": "a", "operator": "eq", "value": 1}, {"field": "b", "operator": "nope"}],
            "target_id": "rep_x",
        }
    ]
    error = assert_error(api.post("rules", {"slug": "s", "rules": rules}), 422, "VALIDATION_ERROR")
    assert "rules[0].conditions[1].operator" in error["details"]


def test_both_condition_forms_is_422(api, make_rep):
    make_rep("rep_x")
    rules = [{"condition": "true", "conditions": [], "target_id": "rep_x"}]
    error = assert_error(api.post("rules", {"slug": "s", "rules": rules}), 422, "VALIDATION_ERROR")
    assert "rules[0].conditions" in error["details"]


def test_slug_must_be_lowercase_letters_digits_hyphens(api):
    error = assert_error(api.post("rules", {"slug": "Bad Slug", "rules": []}), 422, "VALIDATION_ERROR")
    assert "slug" in error["details"]


def test_missing_slug_and_rules_are_named(api):
    error = assert_error(api.post("rules", {"name": "x"}), 422, "VALIDATION_ERROR")
    assert {"slug", "rules"} <= set(error["details"])


def test_bad_distribution_and_tier_are_named(api, make_rep):
    make_rep("rep_x")
    rules = [{"target_id": "rep_x", "distribution": "random", "tier": 0}]
    error = assert_error(api.post("rules", {"slug": "s", "rules": rules}), 422, "VALIDATION_ERROR")
    assert {"rules[0].distribution", "rules[0].tier"} <= set(error["details"])


def test_unknown_fallback_is_422(api):
    error = assert_error(
        api.post("rules", {"slug": "s", "rules": [], "fallback_target_id": "rep_nobody"}),
        422,
        "VALIDATION_ERROR",
    )
    assert "fallback_target_id" in error["details"]


def test_structured_conditions_are_returned_as_given(api, make_rep):
    make_rep("rep_x")
    conditions = [
        {"field": "caseType", "operator": "in", "value": ["Personal Injury"]},
        {"field": "jurisdiction", "operator": "eq", "value": "NY"},
    ]
    body = api.post("rules", {"slug": "s", "rules": [{"conditions": conditions, "target_id": "rep_x"}]})[1]
    assert body["rules"][0]["conditions"] == conditions and body["rules"][0]["condition"] is None


def test_routing_rules_is_flat_and_filterable(api, make_rep):
    make_rep("rep_x")
    api.post(
        "rules",
        {
            "slug": "a",
            "rules": [{"target_id": "rep_x"}, {"target_id": "rep_x", "tier": 2, "is_active": False}],
        },
    )
    api.post("rules", {"slug": "b", "rules": [{"target_id": "rep_x"}]})
    status, rules, _ = api.get("routing/rules")
    assert status == 200 and len(rules) == 3
    assert {r["ruleset"] for r in rules} == {"a", "b"}
    assert len(api.get("routing/rules", {"ruleset": "a"})[1]) == 2
    assert len(api.get("routing/rules", {"is_active": "false"})[1]) == 1
    assert len(api.get("routing/rules", {"tier": "2"})[1]) == 1
    assert set(rules[0]) >= {
        "id",
        "name",
        "ruleset",
        "condition",
        "conditions",
        "targets",
        "priority",
        "tier",
        "is_active",
        "created_at",
        "updated_at",
    }


def test_routing_rules_shows_only_current_versions(api, make_rep):
    make_rep("rep_x")
    api.post("rules", {"slug": "a", "rules": [{"target_id": "rep_x"}, {"target_id": "rep_x"}]})
    api.post("rules", {"slug": "a", "rules": [{"target_id": "rep_x"}]})
    assert len(api.get("routing/rules")[1]) == 1


def test_routing_rules_pages_with_starting_after(api, make_rep):
    make_rep("rep_x")
    api.post("rules", {"slug": "a", "rules": [{"target_id": "rep_x"} for _ in range(3)]})
    status, first, response = api.get("routing/rules", {"limit": 2})
    assert status == 200 and len(first) == 2 and 'rel="next"' in response["Link"]
    status, rest, response = api.get("routing/rules", {"limit": 2, "starting_after": first[-1]["id"]})
    assert status == 200 and [r["id"] for r in rest] not in ([], [r["id"] for r in first])
    assert "Link" not in response


def test_rulesets_page_with_starting_after(api, make_rep):
    make_rep("rep_x")
    for slug in ("a", "b", "c"):
        api.post("rules", {"slug": slug, "rules": [{"target_id": "rep_x"}]})
    first = api.get("rules", {"limit": 2})[1]
    rest = api.get("rules", {"limit": 2, "starting_after": first[-1]["id"]})[1]
    assert [r["slug"] for r in first + rest] == ["a", "b", "c"]
