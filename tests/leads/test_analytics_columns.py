"""The columns analytics reads are kept by the services that route and answer leads."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from leads.models import Lead


def test_routing_stores_rule_reason_and_first_assignment(api, make_rep, save_rules, route):
    make_rep("rep_a")
    make_rep("rep_b")
    save_rules("s", [{"name": "Main", "targets": [{"target_id": "rep_a"}, {"target_id": "rep_b"}]}])
    lead = route("s")
    row = Lead.objects.get(public_id=lead["id"])
    assert (row.rule_name, row.reason, row.rule_public_id) == (
        "Main",
        "RULE_MATCH",
        lead["assignment"]["rule"]["id"],
    )
    assert row.first_assigned_at == row.assigned_at


def test_reroute_keeps_the_first_assignment_time(api, make_rep, save_rules, route):
    make_rep("rep_a")
    make_rep("rep_b")
    save_rules("s", [{"targets": [{"target_id": "rep_a"}, {"target_id": "rep_b"}]}])
    lead = route("s")
    first = Lead.objects.get(public_id=lead["id"]).first_assigned_at
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        api.post(f"leads/{lead['id']}/reroute", {})
    row = Lead.objects.get(public_id=lead["id"])
    assert row.first_assigned_at == first and row.assigned_at > first


def test_first_response_stores_seconds_since_first_assignment(api, make_rep, save_rules):
    make_rep("rep_a")
    save_rules("s", [{"target_id": "rep_a"}])
    lead = api.post(
        "leads", {"lead_id": "L", "ruleset_id": "s", "attributes": {}, "contact": {"email": "c@x.example"}}
    )[1]
    assigned = Lead.objects.get(public_id=lead["id"]).first_assigned_at
    occurred = assigned + timedelta(seconds=90)
    api.post(
        f"contacts/{lead['contact']['id']}/activities", {"type": "CALL", "occurred_at": occurred.isoformat()}
    )
    assert Lead.objects.get(public_id=lead["id"]).response_seconds == 90.0


def test_fallback_reason_is_stored(make_rep, save_rules, route):
    make_rep("rep_x")
    make_rep("rep_fb")
    save_rules("s", [{"condition": "attributes.a == 1", "target_id": "rep_x"}], fallback_target_id="rep_fb")
    row = Lead.objects.get(public_id=route("s", {"a": 2})["id"])
    assert row.reason == "FALLBACK" and row.rule_public_id is None
