import pytest
from django.core import mail

from leads.models import Assignment, Lead
from leads.tasks import assignment_notifications_sweep, assignment_notify_send
from routing.models import PoolTurn
from tests.conftest import assert_error, rep_of


@pytest.fixture
def emea(make_rep, save_rules):
    make_rep("rep_london_office")
    make_rep("rep_b")
    return save_rules(
        "emea-inbound",
        [
            {"name": "UK", "condition": "attributes.country == 'UK'", "target_id": "rep_london_office"},
            {"name": "Rest", "targets": [{"target_id": "rep_london_office"}, {"target_id": "rep_b"}]},
        ],
    )


def lead_body(**overrides):
    return {"lead_id": "LD-8902", "ruleset_id": "emea-inbound", "attributes": {"country": "UK"}, **overrides}


def test_route_a_lead_returns_the_contract_shape(api, emea):
    status, lead, _ = api.post("leads", lead_body())
    assert status == 201
    assert lead["id"].startswith("lead_") and lead["lead_id"] == "LD-8902"
    assert lead["ruleset_id"] == "emea-inbound" and lead["ruleset_version"] == 1
    assert lead["status"] == "ASSIGNED" and lead["attributes"] == {"country": "UK"}
    assignment = lead["assignment"]
    assert assignment["rep"] == {
        "id": "rep_london_office",
        "name": "London_Office",
        "email": "rep_london_office@a.example",
    }
    assert assignment["rule"]["name"] == "UK" and assignment["reason"] == "RULE_MATCH"
    assert assignment["attempt"] == 1 and assignment["tier"] == 1 and assignment["assigned_at"].endswith("Z")
    assert lead["trace"][0]["matched"] and lead["routing_ms"] >= 0
    assert lead["contact"] is None and lead["first_response_at"] is None
    assert lead["candidates"][0] == {**lead["candidates"][0], "rep_id": "rep_london_office", "eligible": True}


def test_seed_request_example_works_verbatim(api, make_rep, save_rules):
    make_rep("rep_123")
    save_rules("enterprise-sales", [{"target_id": "rep_123"}])
    body = {
        "lead_id": "LD-8902",
        "ruleset_id": "enterprise-sales",
        "attributes": {"company_size": 500, "region": "EMEA", "source": "Webinar"},
    }
    status, lead, _ = api.post("leads", body)
    assert status == 201 and lead["assignment"]["rep"]["id"] == "rep_123"


def test_resending_the_same_lead_replays_without_a_new_turn(api, emea):
    first = api.post("leads", lead_body(attributes={"country": "FR"}))[1]
    turns = list(PoolTurn.objects.values_list("turns", flat=True))
    status, again, _ = api.post("leads", lead_body(attributes={"country": "FR"}))
    assert status == 200 and again["id"] == first["id"] and again["assignment"] == first["assignment"]
    assert list(PoolTurn.objects.values_list("turns", flat=True)) == turns
    assert Lead.objects.count() == 1 and Assignment.objects.count() == 1


def test_same_lead_id_with_another_body_is_409(api, emea):
    api.post("leads", lead_body())
    assert_error(api.post("leads", lead_body(attributes={"country": "DE"})), 409, "CONFLICT")


@pytest.mark.parametrize("field", ["lead_id", "ruleset_id", "attributes"])
def test_each_required_field_is_named(api, emea, field):
    body = lead_body()
    del body[field]
    error = assert_error(api.post("leads", body), 422, "VALIDATION_ERROR")
    assert error["details"] == {field: ["This field is required."]}
    assert error["message"] == f"{field} is required"


def test_unknown_ruleset_is_422_naming_ruleset_id(api, emea):
    error = assert_error(api.post("leads", lead_body(ruleset_id="nope")), 422, "VALIDATION_ERROR")
    assert "ruleset_id" in error["details"]


@pytest.mark.parametrize(
    "attributes",
    [
        [1, 2],
        {f"k{i}": i for i in range(201)},
        {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}},
        {"n": 2**70},
        {"s": "nul\x00byte"},
    ],
    ids=["not-object", "too-many-keys", "too-deep", "huge-int", "nul"],
)
def test_attribute_limits_are_422(api, emea, attributes):
    error = assert_error(api.post("leads", lead_body(attributes=attributes)), 422, "VALIDATION_ERROR")
    assert any(key.startswith("attributes") for key in error["details"])


def test_lead_id_over_255_chars_is_422(api, emea):
    error = assert_error(api.post("leads", lead_body(lead_id="x" * 256)), 422, "VALIDATION_ERROR")
    assert "lead_id" in error["details"]


def test_get_lead_by_public_id_and_by_client_id_with_history(api, emea):
    lead = api.post("leads", lead_body())[1]
    for ref in (lead["id"], "LD-8902"):
        status, body, _ = api.get(f"leads/{ref}")
        assert status == 200 and body["id"] == lead["id"]
        assert len(body["assignments"]) == 1 and body["assignments"][0]["explanation"]["trace"]


def test_leads_remember_the_version_that_routed_them(api, emea, save_rules):
    first = api.post("leads", lead_body())[1]
    save_rules("emea-inbound", [{"name": "All", "target_id": "rep_b"}])
    second = api.post("leads", lead_body(lead_id="LD-2"))[1]
    assert (first["ruleset_version"], second["ruleset_version"]) == (1, 2)
    assert api.get(f"leads/{first['id']}")[1]["ruleset_version"] == 1


def test_list_filters(api, emea):
    uk = api.post("leads", lead_body())[1]
    api.patch("reps/rep_london_office", {"status": "AWAY"})
    fr = api.post("leads", lead_body(lead_id="LD-2", attributes={"country": "FR"}))[1]
    assert [x["id"] for x in api.get("leads", {"rep": "rep_london_office"})[1]] == [uk["id"]]
    assert [x["id"] for x in api.get("leads", {"rep": "rep_b"})[1]] == [fr["id"]]
    assert len(api.get("leads", {"status": "ASSIGNED"})[1]) == 2
    assert len(api.get("leads", {"ruleset": "emea-inbound"})[1]) == 2
    assert api.get("leads", {"created_after": "2100-01-01T00:00:00Z"})[1] == []
    assert len(api.get("leads", {"created_before": "2100-01-01T00:00:00Z"})[1]) == 2
    assert_error(api.get("leads", {"status": "NOPE"}), 422, "VALIDATION_ERROR")


def test_list_is_newest_first_and_paginated(api, emea):
    for i in range(3):
        api.post("leads", lead_body(lead_id=f"LD-{i}"))
    status, page, response = api.get("leads", {"limit": 2})
    assert [x["lead_id"] for x in page] == ["LD-2", "LD-1"] and 'rel="next"' in response["Link"]


def test_patch_status_closing_frees_capacity(api, make_rep, save_rules):
    make_rep("rep_a", max_open_leads=1)
    save_rules("c", [{"target_id": "rep_a"}])
    lead = api.post("leads", {"lead_id": "1", "ruleset_id": "c", "attributes": {}})[1]
    assert api.get("reps/rep_a")[1]["open_leads"] == 1
    status, body, _ = api.patch(f"leads/{lead['id']}", {"status": "LOST"})
    assert status == 200 and body["status"] == "LOST"
    assert api.get("reps/rep_a")[1]["open_leads"] == 0


def test_patch_rejects_unknown_status_and_open_status_without_rep(api, emea):
    lead = api.post("leads", lead_body(ruleset_id="emea-inbound"))[1]
    assert_error(api.patch(f"leads/{lead['id']}", {"status": "DONE"}), 422, "VALIDATION_ERROR")
    api.patch("reps/rep_london_office", {"status": "OFFLINE"})
    api.patch("reps/rep_b", {"status": "OFFLINE"})
    orphan = api.post("leads", lead_body(lead_id="LD-orphan"))[1]
    assert orphan["status"] == "UNASSIGNED"
    assert_error(api.patch(f"leads/{orphan['id']}", {"status": "CONTACTED"}), 422, "VALIDATION_ERROR")


def test_patch_attributes(api, emea):
    lead = api.post("leads", lead_body())[1]
    status, body, _ = api.patch(f"leads/{lead['id']}", {"attributes": {"country": "UK", "score": 9}})
    assert status == 200 and body["attributes"]["score"] == 9


def test_reroute_excludes_earlier_reps_until_unassigned(api, emea):
    lead = api.post("leads", lead_body(attributes={"country": "FR"}))[1]
    first = rep_of(lead)
    status, second, _ = api.post(f"leads/{lead['id']}/reroute", {"reason": "no answer"})
    assert status == 200 and rep_of(second) not in (None, first)
    assert second["assignment"]["attempt"] == 2
    third = api.post(f"leads/{lead['id']}/reroute", {})[1]
    assert third["status"] == "UNASSIGNED" and len(third["assignments"]) == 3
    assert (
        api.get("reps/rep_london_office")[1]["open_leads"] == 0
        and api.get("reps/rep_b")[1]["open_leads"] == 0
    )


def test_reroute_honours_tier(api, make_rep, save_rules):
    make_rep("rep_t1")
    make_rep("rep_t2")
    save_rules("t", [{"target_id": "rep_t1", "tier": 1}, {"target_id": "rep_t2", "tier": 2}])
    lead = api.post("leads", {"lead_id": "1", "ruleset_id": "t", "attributes": {}})[1]
    assert rep_of(lead) == "rep_t1"
    rerouted = api.post(f"leads/{lead['id']}/reroute", {"tier": 2})[1]
    assert rep_of(rerouted) == "rep_t2" and rerouted["assignment"]["tier"] == 2


def test_reroute_of_a_closed_lead_is_409(api, emea):
    lead = api.post("leads", lead_body())[1]
    api.patch(f"leads/{lead['id']}", {"status": "CONVERTED"})
    assert_error(api.post(f"leads/{lead['id']}/reroute", {}), 409, "CONFLICT")


def test_unknown_lead_is_404(api, emea):
    assert_error(api.get("leads/nope"), 404, "NOT_FOUND")
    assert_error(api.post("leads/nope/reroute", {}), 404, "NOT_FOUND")


def test_assigned_rep_is_emailed_once_by_the_worker_task(api, emea, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        lead = api.post("leads", lead_body())[1]
    assert mail.outbox == []  # never inside the request
    assignment = Assignment.objects.get(lead__public_id=lead["id"])
    assert assignment_notify_send(assignment_pk=assignment.pk) is True
    assert assignment_notify_send(assignment_pk=assignment.pk) is False
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["rep_london_office@a.example"]
    assert "LD-8902" in mail.outbox[0].subject


def test_sweep_sends_alerts_the_broker_never_delivered(api, emea):
    api.post("leads", lead_body())
    api.post("leads", lead_body(lead_id="LD-2"))
    assert assignment_notifications_sweep() == 2
    assert assignment_notifications_sweep() == 0
    assert len(mail.outbox) == 2
