import pytest

from leads.models import Assignment, Lead
from routing.models import PoolTurn
from tests.conftest import assert_error, rep_of

CASEXCHANGE_RULES = [
    {
        "name": "Auto-route NY Personal Injury",
        "conditions": [
            {"field": "caseType", "operator": "in", "value": ["Personal Injury"]},
            {"field": "jurisdiction", "operator": "eq", "value": "NY"},
        ],
        "target_id": "rep_ny",
        "priority": 1,
    },
    {
        "name": "CA Med-Mal to Caldwell",
        "conditions": [
            {"field": "caseType", "operator": "in", "value": ["Medical Malpractice"]},
            {"field": "jurisdiction", "operator": "eq", "value": "CA"},
        ],
        "targets": [{"target_id": "rep_ca", "instructions": "Email intake with case summary."}],
        "priority": 2,
    },
]


@pytest.fixture
def casexchange(make_rep, save_rules):
    make_rep("rep_ny")
    make_rep("rep_ca")
    return save_rules("referrals", CASEXCHANGE_RULES, is_default=True)


def _state():
    return (
        list(PoolTurn.objects.order_by("pk").values_list("turns", "last_assigned_at")),
        Lead.objects.count(),
        Assignment.objects.count(),
    )


def test_evaluate_by_query_string_matches_the_casexchange_rule(api, casexchange):
    status, body, _ = api.get("routing/evaluate", {"caseType": "Personal Injury", "jurisdiction": "NY"})
    assert status == 200
    assert body["rule"]["name"] == "Auto-route NY Personal Injury" and body["rule"]["priority"] == 1
    assert body["assignments"] == [
        {"target_id": "rep_ny", "name": "Ny", "email": "rep_ny@a.example", "instructions": None}
    ]
    assert body["ruleset"]["slug"] == "referrals" and body["ruleset"]["version"] == 1
    assert [t["matched"] for t in body["trace"]] == [True]


def test_evaluate_returns_instructions(api, casexchange):
    body = api.get("routing/evaluate", {"caseType": "Medical Malpractice", "jurisdiction": "CA"})[1]
    assert body["assignments"][0]["instructions"] == "Email intake with case summary."


def test_evaluate_with_no_match_has_null_rule(api, casexchange):
    status, body, _ = api.get("routing/evaluate", {"caseType": "Personal Injury", "jurisdiction": "CA"})
    assert status == 200 and body["rule"] is None and body["assignments"] == []
    assert all(not t["matched"] for t in body["trace"])


def test_evaluate_reports_the_fallback_when_nothing_matches(api, make_rep, save_rules):
    make_rep("rep_x")
    make_rep("rep_fb")
    save_rules("f", [{"condition": "attributes.a == 1", "target_id": "rep_x"}], fallback_target_id="rep_fb")
    body = api.get("routing/evaluate", {"ruleset": "f", "a": "2"})[1]
    assert body["rule"] is None and body["assignments"] == []
    assert (
        body["fallback"]["target_id"] == "rep_fb"
        and body["fallback"]["assignments"][0]["target_id"] == "rep_fb"
    )


def test_query_values_are_typed(api, make_rep, save_rules):
    make_rep("rep_x")
    save_rules(
        "typed", [{"condition": "attributes.size > 100 && attributes.vip == true", "target_id": "rep_x"}]
    )
    assert (
        api.get("routing/evaluate", {"ruleset": "typed", "size": "500", "vip": "true"})[1]["rule"] is not None
    )


def test_post_evaluate_takes_nested_attributes(api, make_rep, save_rules):
    make_rep("rep_x")
    save_rules("nested", [{"condition": "attributes.address.country == 'UK'", "target_id": "rep_x"}])
    body = {"ruleset_id": "nested", "attributes": {"address": {"country": "UK"}}}
    status, result, _ = api.post("routing/evaluate", body)
    assert status == 200 and result["rule"] is not None


def test_evaluate_changes_nothing(api, casexchange):
    before = _state()
    for _ in range(3):
        api.get("routing/evaluate", {"caseType": "Personal Injury", "jurisdiction": "NY"})
    assert _state() == before


def test_evaluate_lists_candidates_with_reasons_in_order_of_use(api, make_rep, save_rules, route):
    make_rep("rep_a")
    make_rep("rep_b")
    make_rep("rep_c", status="OFFLINE")
    save_rules("rr", [{"targets": [{"target_id": t} for t in ("rep_a", "rep_b", "rep_c")]}])
    route("rr")  # rep_a took a turn: rep_b is next
    body = api.get("routing/evaluate", {"ruleset": "rr"})[1]
    assert [a["target_id"] for a in body["assignments"]] == ["rep_b", "rep_a"]
    reasons = {c["rep_id"]: c["excluded_because"] for c in body["candidates"]}
    assert reasons == {"rep_a": None, "rep_b": None, "rep_c": "OFFLINE"}
    assert rep_of(route("rr")) == "rep_b"  # the preview told the truth


def test_evaluate_without_ruleset_uses_the_default(api, casexchange, make_rep, save_rules):
    save_rules("another", [{"target_id": "rep_ny"}])
    assert api.get("routing/evaluate", {"jurisdiction": "NY"})[1]["ruleset"]["slug"] == "referrals"


def test_evaluate_bad_tier_is_422_and_unknown_ruleset_404(api, casexchange):
    assert_error(api.get("routing/evaluate", {"tier": "x"}), 422, "VALIDATION_ERROR")
    assert_error(api.get("routing/evaluate", {"ruleset": "nope"}), 404, "NOT_FOUND")


def test_re_refer_excludes_reps_the_lead_already_had(api, make_rep, save_rules, route):
    for name in ("rep_a", "rep_b", "rep_c"):
        make_rep(name)
    save_rules("rr", [{"targets": [{"target_id": t} for t in ("rep_a", "rep_b", "rep_c")]}])
    lead = route("rr", lead_id="CASE-1")
    assert rep_of(lead) == "rep_a"
    before = _state()
    status, body, _ = api.get("routing/re-refer", {"lead_id": "CASE-1"})
    assert status == 200 and [a["target_id"] for a in body["assignments"]] == ["rep_b", "rep_c"]
    assert {c["rep_id"]: c["excluded_because"] for c in body["candidates"]}["rep_a"] == "ALREADY_ASSIGNED"
    assert _state() == before
    assert api.get("routing/re-refer", {"lead_id": lead["id"]})[1]["assignments"] == body["assignments"]


def test_re_refer_needs_a_known_lead(api, casexchange):
    assert_error(api.get("routing/re-refer"), 422, "VALIDATION_ERROR")
    assert_error(api.get("routing/re-refer", {"lead_id": "nope"}), 404, "NOT_FOUND")


def test_read_only_key_can_preview(read_only_api, casexchange):
    assert read_only_api.get("routing/evaluate", {"jurisdiction": "NY"})[0] == 200
    assert read_only_api.post("routing/evaluate", {"attributes": {}})[0] == 200


def test_simulate_compares_a_draft_with_what_happened(api, make_rep, save_rules, route):
    make_rep("rep_uk")
    make_rep("rep_fr")
    save_rules(
        "geo",
        [{"name": "UK", "condition": "attributes.country == 'UK'", "target_id": "rep_uk"}],
        fallback_target_id="rep_fr",
    )
    for i, country in enumerate(["UK", "UK", "FR", "DE"]):
        route("geo", {"country": country}, lead_id=f"S-{i}")
    before = _state()
    draft = {
        "rules": [
            {"name": "UK", "condition": "attributes.country == 'UK'", "target_id": "rep_uk"},
            {"name": "FR", "condition": "attributes.country == 'FR'", "target_id": "rep_uk"},
        ],
        "fallback_target_id": "rep_fr",
    }
    status, result, _ = api.post("rules/geo/simulate", draft)
    assert status == 200 and _state() == before
    assert result["compared"] == 4 and result["changed"] == 1
    change = result["changes"][0]
    assert change["actual"]["rep_id"] == "rep_fr" and change["draft"] == {
        **change["draft"],
        "rule": "FR",
        "rep_id": "rep_uk",
    }
    assert result["by_rule"] == {"UK": 2, "FR": 1, "(fallback)": 1}


def test_simulate_limit_and_validation(api, make_rep, save_rules, route):
    make_rep("rep_x")
    save_rules("s", [{"target_id": "rep_x"}])
    for i in range(3):
        route("s", lead_id=f"S-{i}")
    assert api.post("rules/s/simulate", {"rules": [{"target_id": "rep_x"}], "limit": 2})[1]["compared"] == 2
    assert_error(
        api.post("rules/s/simulate", {"rules": [{"target_id": "rep_x"}], "limit": 10_001}),
        422,
        "VALIDATION_ERROR",
    )
    error = assert_error(
        api.post("rules/s/simulate", {"rules": [{"condition": "(", "target_id": "rep_x"}]}),
        422,
        "VALIDATION_ERROR",
    )
    assert "rules[0].condition" in error["details"]
