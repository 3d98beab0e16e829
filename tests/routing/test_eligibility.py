from datetime import UTC, datetime, timedelta

import time_machine

from tests.conftest import rep_of


def _excluded(lead, rep_id):
    return next(c["excluded_because"] for c in lead["candidates"] if c["rep_id"] == rep_id)


def test_away_and_offline_reps_are_skipped_with_reasons(api, make_rep, save_rules, route):
    make_rep("rep_away", status="AWAY")
    make_rep("rep_off", status="OFFLINE")
    make_rep("rep_ok")
    save_rules("e", [{"targets": [{"target_id": t} for t in ("rep_away", "rep_off", "rep_ok")]}])
    lead = route("e")
    assert rep_of(lead) == "rep_ok"
    assert _excluded(lead, "rep_away") == "AWAY" and _excluded(lead, "rep_off") == "OFFLINE"


def test_away_rep_is_available_again_after_away_until(api, make_rep, save_rules, route):
    back = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    make_rep("rep_a", status="AWAY", away_until=back)
    save_rules("e", [{"target_id": "rep_a"}])
    assert rep_of(route("e")) == "rep_a"


def test_deactivated_rep_is_never_routed_to(api, make_rep, save_rules, route):
    make_rep("rep_a")
    make_rep("rep_b")
    save_rules("e", [{"targets": [{"target_id": "rep_a"}, {"target_id": "rep_b"}]}])
    api.delete("reps/rep_a")
    lead = route("e")
    assert rep_of(lead) == "rep_b" and _excluded(lead, "rep_a") == "INACTIVE"


def test_capacity_is_respected_and_closing_frees_it(api, make_rep, save_rules, route):
    make_rep("rep_a", max_open_leads=1)
    save_rules("e", [{"target_id": "rep_a"}])
    first = route("e")
    second = route("e")
    assert second["status"] == "UNASSIGNED" and _excluded(second, "rep_a") == "AT_CAPACITY"
    assert api.patch(f"leads/{first['id']}", {"status": "CONVERTED"})[0] == 200
    assert rep_of(route("e")) == "rep_a"


def test_daily_cap_is_respected(make_rep, save_rules, route):
    make_rep("rep_a", max_leads_per_day=2)
    save_rules("e", [{"target_id": "rep_a"}])
    route("e")
    route("e")
    lead = route("e")
    assert lead["status"] == "UNASSIGNED" and _excluded(lead, "rep_a") == "DAILY_CAP"


def test_daily_cap_resets_on_the_reps_next_local_day(make_rep, save_rules, route):
    make_rep("rep_a", max_leads_per_day=1, timezone="Asia/Tokyo")
    save_rules("e", [{"target_id": "rep_a"}])
    with time_machine.travel(datetime(2026, 3, 2, 14, 0, tzinfo=UTC)):  # 23:00 in Tokyo
        assert rep_of(route("e")) == "rep_a"
        assert route("e")["status"] == "UNASSIGNED"
    with time_machine.travel(datetime(2026, 3, 2, 15, 30, tzinfo=UTC)):  # 00:30 the next day in Tokyo
        assert rep_of(route("e")) == "rep_a"


def test_working_hours_are_checked_in_the_reps_timezone(make_rep, save_rules, route):
    hours = {"mon": [["09:00", "17:00"]]}
    make_rep("rep_ny", timezone="America/New_York", working_hours=hours)
    save_rules("e", [{"target_id": "rep_ny"}])
    with time_machine.travel(datetime(2026, 3, 2, 15, 0, tzinfo=UTC)):  # Monday 10:00 in New York
        assert rep_of(route("e")) == "rep_ny"
    with time_machine.travel(datetime(2026, 3, 2, 23, 0, tzinfo=UTC)):  # Monday 18:00 in New York
        lead = route("e")
        assert lead["status"] == "UNASSIGNED" and _excluded(lead, "rep_ny") == "OUTSIDE_HOURS"


def test_matching_rule_without_eligible_rep_is_passed_over(make_rep, save_rules, route):
    make_rep("rep_off", status="OFFLINE")
    make_rep("rep_b")
    save_rules("e", [{"name": "first", "target_id": "rep_off"}, {"name": "second", "target_id": "rep_b"}])
    lead = route("e")
    assert lead["assignment"]["rule"]["name"] == "second"
    assert lead["trace"][0]["matched"] is True and "no eligible rep" in lead["trace"][0]["reason"]


def test_fallback_is_used_when_no_rule_yields_a_rep(make_rep, save_rules, route):
    make_rep("rep_x")
    make_rep("rep_fb")
    save_rules(
        "e", [{"condition": "attributes.country == 'UK'", "target_id": "rep_x"}], fallback_target_id="rep_fb"
    )
    lead = route("e", {"country": "FR"})
    assert rep_of(lead) == "rep_fb" and lead["assignment"]["reason"] == "FALLBACK"
    assert lead["assignment"]["rule"] is None


def test_nobody_eligible_stores_the_lead_unassigned(make_rep, save_rules, route):
    make_rep("rep_x")
    save_rules("e", [{"condition": "attributes.country == 'UK'", "target_id": "rep_x"}])
    lead = route("e", {"country": "FR"})
    assert lead["status"] == "UNASSIGNED" and lead["assignment"] is None
    assert lead["trace"][0]["matched"] is False


def test_tiers_are_tried_before_priorities(make_rep, save_rules, route):
    make_rep("rep_t1")
    make_rep("rep_t2")
    save_rules(
        "e",
        [
            {"target_id": "rep_t2", "tier": 2, "priority": 1},
            {"target_id": "rep_t1", "tier": 1, "priority": 9},
        ],
    )
    assert rep_of(route("e")) == "rep_t1"


def test_missing_attribute_is_no_match_with_reason_not_an_error(make_rep, save_rules, route):
    make_rep("rep_x")
    save_rules("e", [{"condition": "attributes.size > 100", "target_id": "rep_x"}])
    lead = route("e", {"country": "UK"})
    assert lead["status"] == "UNASSIGNED" and lead["trace"][0]["reason"]


def test_type_mismatch_is_no_match(make_rep, save_rules, route):
    make_rep("rep_x")
    save_rules("e", [{"condition": "attributes.size > 100", "target_id": "rep_x"}])
    assert route("e", {"size": "big"})["status"] == "UNASSIGNED"


def test_trace_of_a_lead_past_many_rules_is_capped_with_a_count(make_rep, save_rules, route):
    make_rep("rep_x")
    rules = [{"condition": f"attributes.score > {1000 - i}", "target_id": "rep_x"} for i in range(150)]
    save_rules("many", rules + [{"name": "last", "target_id": "rep_x"}])
    lead = route("many", {"score": 0})
    assert lead["assignment"]["rule"]["name"] == "last"
    assert len(lead["trace"]) == 101 and lead["trace"][-1]["matched"] is True
    assert lead["trace_omitted"] == 50
