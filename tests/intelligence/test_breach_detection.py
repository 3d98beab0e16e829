"""Breach detection: who is in breach, when, under which policy; recorded once, with its event."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from intelligence import services
from intelligence.models import SlaBreach, WebhookEvent
from leads.models import LeadStatus
from reps.services import rep_create

NOW = datetime(2025, 2, 12, 15, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def check() -> list[str]:
    services.sla_breaches_check()
    return sorted(SlaBreach.objects.values_list("lead__lead_id", flat=True))


def test_lead_just_before_the_threshold_is_not_breached(make_policy, make_lead, rep):
    make_policy(threshold_minutes=5)
    make_lead(rep=rep, assigned_at=NOW - timedelta(minutes=5) + timedelta(seconds=1))
    assert check() == []


def test_lead_just_after_the_threshold_is_breached(make_policy, make_lead, rep):
    make_policy(threshold_minutes=5)
    lead = make_lead(rep=rep, assigned_at=NOW - timedelta(minutes=5, seconds=1))
    assert check() == [lead.lead_id]
    breach = SlaBreach.objects.get()
    assert (breach.elapsed_seconds, breach.threshold_seconds, breach.rep_id) == (301.0, 300.0, rep.pk)


def test_fractional_threshold_counts_in_seconds(make_policy, make_lead, rep):
    make_policy(threshold_minutes=0.5)
    make_lead(rep=rep, assigned_at=NOW - timedelta(seconds=29))
    late = make_lead(rep=rep, assigned_at=NOW - timedelta(seconds=31))
    assert check() == [late.lead_id]


def test_responded_lead_is_not_breached(make_policy, make_lead, rep):
    make_policy(threshold_minutes=5)
    assigned = NOW - timedelta(hours=1)
    make_lead(rep=rep, assigned_at=assigned, first_response_at=assigned + timedelta(minutes=1))
    make_lead(
        rep=rep,
        status=LeadStatus.CONTACTED,
        assigned_at=assigned,
        first_response_at=assigned + timedelta(minutes=30),
    )
    assert check() == []


def test_unassigned_lead_is_not_breached(make_policy, make_lead):
    make_policy(threshold_minutes=5)
    make_lead(rep=None, created_at=NOW - timedelta(hours=1))
    assert check() == []


def test_closed_lead_is_not_breached(make_policy, make_lead, rep):
    make_policy(threshold_minutes=5)
    make_lead(rep=rep, status=LeadStatus.LOST, assigned_at=NOW - timedelta(hours=1))
    assert check() == []


def test_inactive_policy_records_nothing(make_policy, make_lead, rep):
    make_policy(threshold_minutes=5, is_active=False)
    make_lead(rep=rep, assigned_at=NOW - timedelta(hours=1))
    assert check() == []


def test_deleted_policy_records_nothing(make_policy, make_lead, rep):
    services.sla_policy_delete(policy=make_policy(threshold_minutes=5))
    make_lead(rep=rep, assigned_at=NOW - timedelta(hours=1))
    assert check() == []


def test_policy_scoped_to_a_ruleset_ignores_other_rulesets(make_policy, make_lead, rep, other_ruleset):
    make_policy(threshold_minutes=5, ruleset_id="outbound")
    make_lead(rep=rep, assigned_at=NOW - timedelta(hours=1))
    scoped = make_lead(rep=rep, assigned_at=NOW - timedelta(hours=1), ruleset_=other_ruleset)
    assert check() == [scoped.lead_id]


def test_unscoped_policy_covers_every_ruleset(make_policy, make_lead, rep, other_ruleset):
    make_policy(threshold_minutes=5)
    first = make_lead(rep=rep, assigned_at=NOW - timedelta(hours=1))
    second = make_lead(rep=rep, assigned_at=NOW - timedelta(hours=1), ruleset_=other_ruleset)
    assert check() == sorted([first.lead_id, second.lead_id])


def test_other_organizations_leads_are_not_matched(make_policy, make_lead, org_b):
    make_policy(threshold_minutes=5)
    b_rep = rep_create(org=org_b, data={"name": "B", "email": "b@b.example"})
    make_policy(org=org_b, threshold_minutes=500)
    make_lead(rep=b_rep, org=org_b, assigned_at=NOW - timedelta(hours=1))
    assert check() == []


def test_each_policy_records_its_own_breach_of_a_lead(make_policy, make_lead, rep):
    make_policy(threshold_minutes=5)
    make_policy(threshold_minutes=10)
    make_lead(rep=rep, assigned_at=NOW - timedelta(hours=1))
    check()
    assert SlaBreach.objects.count() == 2


def test_breach_is_recorded_once_across_checks(make_policy, make_lead, rep, clock):
    make_policy(threshold_minutes=5)
    make_lead(rep=rep, assigned_at=NOW - timedelta(hours=1))
    check()
    clock.shift(timedelta(minutes=10))
    check()
    assert (SlaBreach.objects.count(), WebhookEvent.objects.count()) == (1, 1)


def test_breach_comes_with_its_pending_event(make_policy, make_lead, rep):
    policy = make_policy(threshold_minutes=5, name="First touch")
    lead = make_lead(rep=rep, assigned_at=NOW - timedelta(minutes=5, seconds=12))
    check()
    event = WebhookEvent.objects.get()
    breach = SlaBreach.objects.get()
    assert (event.status, event.attempts, event.next_attempt_at, event.breach_id) == (
        "pending",
        0,
        NOW,
        breach.pk,
    )
    payload = event.payload
    assert (payload["id"], payload["type"], payload["created_at"]) == (
        event.public_id,
        "sla.breached",
        "2025-02-12T15:00:00.000000Z",
    )
    data = payload["data"]
    assert (data["threshold_seconds"], data["elapsed_seconds"]) == (300, 312)
    assert data["sla"]["id"] == policy.public_id and data["sla"]["name"] == "First touch"
    assert (data["lead"]["id"], data["lead"]["lead_id"]) == (lead.public_id, lead.lead_id)
    assert data["rep"] == {"id": rep.public_id, "name": rep.name, "email": rep.email}


def test_breaches_endpoint_lists_them_newest_first(api, make_policy, make_lead, rep, clock):
    policy = make_policy(threshold_minutes=5)
    first = make_lead(rep=rep, assigned_at=NOW - timedelta(hours=1))
    check()
    clock.shift(timedelta(minutes=10))
    second = make_lead(rep=rep, assigned_at=NOW - timedelta(hours=1))
    check()
    status, body, _ = api.get(f"slas/{policy.public_id}/breaches")
    assert status == 200
    assert [b["lead"]["id"] for b in body] == [second.public_id, first.public_id]
    assert body[0]["event"]["status"] == "pending" and body[0]["rep_id"] == rep.public_id


# --- business hours ------------------------------------------------------------------------------------

WEEKDAYS_9_TO_5 = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def test_business_hours_skip_the_weekend(org_a, make_policy, make_lead, clock):
    ny = rep_create(
        org=org_a,
        data={
            "name": "NY",
            "email": "ny@a.example",
            "timezone": "America/New_York",
            "working_hours": WEEKDAYS_9_TO_5,
        },
    )
    make_policy(threshold_minutes=30, business_hours=True)
    # Friday 16:50 in New York (21:50 UTC): 10 working minutes on Friday, the rest from Monday 09:00.
    make_lead(rep=ny, assigned_at=datetime(2025, 2, 14, 21, 50, tzinfo=UTC))
    clock.move_to(datetime(2025, 2, 17, 14, 19, tzinfo=UTC))  # Monday 09:19 New York: 29 minutes
    assert check() == []
    clock.move_to(datetime(2025, 2, 17, 14, 21, tzinfo=UTC))  # Monday 09:21: 31 minutes
    assert len(check()) == 1
    assert SlaBreach.objects.get().elapsed_seconds == 31 * 60


def test_business_hours_use_the_reps_timezone(org_a, make_policy, make_lead, clock):
    tokyo = rep_create(
        org=org_a,
        data={
            "name": "JP",
            "email": "jp@a.example",
            "timezone": "Asia/Tokyo",
            "working_hours": WEEKDAYS_9_TO_5,
        },
    )
    make_policy(threshold_minutes=90, business_hours=True)
    # Monday 16:00 in Tokyo (07:00 UTC): one working hour left that day.
    make_lead(rep=tokyo, assigned_at=datetime(2025, 2, 17, 7, 0, tzinfo=UTC))
    clock.move_to(datetime(2025, 2, 17, 12, 0, tzinfo=UTC))  # 5 wall hours, 60 working minutes
    assert check() == []
    clock.move_to(datetime(2025, 2, 18, 0, 31, tzinfo=UTC))  # Tuesday 09:31 Tokyo: 91 minutes
    assert len(check()) == 1


def test_business_hours_without_working_hours_count_all_time(make_policy, make_lead, rep):
    make_policy(threshold_minutes=30, business_hours=True)
    make_lead(rep=rep, assigned_at=NOW - timedelta(minutes=31))
    assert len(check()) == 1


def test_wall_clock_policy_ignores_working_hours(org_a, make_policy, make_lead):
    ny = rep_create(
        org=org_a,
        data={
            "name": "NY",
            "email": "ny@a.example",
            "timezone": "America/New_York",
            "working_hours": WEEKDAYS_9_TO_5,
        },
    )
    make_policy(threshold_minutes=30)
    make_lead(rep=ny, assigned_at=NOW - timedelta(minutes=31))  # 10:29 in New York... any hour counts
    assert len(check()) == 1


# --- on_breach: reroute --------------------------------------------------------------------------------


@pytest.fixture
def routed_lead(api, make_rep):
    """A lead routed through the API by a round-robin rule over two reps, then made an hour old."""
    from leads.models import Lead

    first, second = make_rep(), make_rep()
    rule = {"name": "Everyone", "targets": [{"target_id": first["id"]}, {"target_id": second["id"]}]}
    assert api.post("rules", {"name": "Inbound", "slug": "web", "rules": [rule]})[0] == 201
    body = api.post("leads", {"lead_id": "L-1", "ruleset_id": "web", "attributes": {}})[1]
    Lead.objects.filter(public_id=body["id"]).update(assigned_at=NOW - timedelta(hours=1))
    return Lead.objects.get(public_id=body["id"])


def test_reroute_policy_reroutes_the_breached_lead(make_policy, routed_lead):
    make_policy(threshold_minutes=5, on_breach="reroute", name="Fast lane")
    breached_rep = routed_lead.rep_id
    check()
    routed_lead.refresh_from_db()
    assert routed_lead.attempts == 2 and routed_lead.rep_id not in (None, breached_rep)
    assert routed_lead.assignments.get(attempt=2).note == "SLA breach: Fast lane"
    assert SlaBreach.objects.get().action_result.startswith("rerouted to rep_")


def test_reroute_happens_once(make_policy, routed_lead, clock):
    make_policy(threshold_minutes=5, on_breach="reroute")
    check()
    clock.shift(timedelta(hours=2))
    check()
    routed_lead.refresh_from_db()
    assert routed_lead.attempts == 2


def test_notify_policy_does_not_reroute(make_policy, routed_lead):
    make_policy(threshold_minutes=5)
    check()
    routed_lead.refresh_from_db()
    assert routed_lead.attempts == 1
