"""GET /analytics/summary on a hand-built data set whose answers are computed here."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from intelligence.models import LeadDayCell, SlaBreach
from intelligence.rollups import rollups_build
from intelligence.selectors import percentile_cont
from leads.models import AssignmentReason, LeadStatus
from routeswit.orgs.models import KeyKind
from tests.conftest import assert_error

T0 = datetime(2025, 1, 10, 10, 0, tzinfo=UTC)
JANUARY = {"from": "2025-01-01", "to": "2025-01-31"}


def after(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture(params=["live", "rolled_up"])
def data(request, make_lead, rep, other_rep, other_ruleset):
    """Seven leads in January (and one in February); response seconds 60, 120, 300, 900 (re-routed: from the
    first assignment), 30. Every test runs twice: with every day read live, and with the ended days rolled
    up by the builder (intelligence.rollups) first: the answers must not differ."""
    a, b = rep, other_rep
    leads = {
        "l1": make_lead(rep=a, assigned_at=T0, first_response_at=after(60), status=LeadStatus.CONVERTED),
        "l2": make_lead(rep=a, assigned_at=T0, first_response_at=after(120), status=LeadStatus.CONTACTED),
        "l3": make_lead(
            rep=b, rule="rule_us", assigned_at=T0, first_response_at=after(300), status=LeadStatus.CONVERTED
        ),
        "l4": make_lead(rep=b, rule=None, reason=AssignmentReason.FALLBACK, assigned_at=T0),
        "l5": make_lead(rep=None, created_at=T0, routing_ms=24.0),
        "l6": make_lead(
            history=[
                (a, AssignmentReason.RULE_MATCH, "rule_uk", T0),
                (b, AssignmentReason.RULE_MATCH, "rule_us", after(600)),
            ],
            created_at=T0,
            first_response_at=after(900),
            status=LeadStatus.CONTACTED,
        ),
        "l8": make_lead(
            rep=a,
            rule="rule_x",
            assigned_at=T0,
            first_response_at=after(30),
            status=LeadStatus.LOST,
            ruleset_=other_ruleset,
        ),
    }
    make_lead(
        rep=a,
        assigned_at=datetime(2025, 2, 3, tzinfo=UTC),
        first_response_at=datetime(2025, 2, 3, 1, tzinfo=UTC),
        status=LeadStatus.CONVERTED,
    )
    if request.param == "rolled_up":
        assert rollups_build() >= 2  # the two days with leads (the empty ones are recorded, not counted)
        assert LeadDayCell.objects.filter(day=T0.date()).exists()
    return leads


def summary(api, **params):
    status, body, _ = api.get("analytics/summary", params)
    assert status == 200, body
    return body


def test_body_has_exactly_the_documented_keys(api, data):
    body = summary(api, **JANUARY)
    assert set(body) == {
        "from",
        "to",
        "leads",
        "conversion_rate",
        "response_time",
        "routing_efficiency",
        "sla",
        "by_rep",
        "by_rule",
    }
    assert (body["from"], body["to"]) == ("2025-01-01T00:00:00.000000Z", "2025-02-01T00:00:00.000000Z")


def test_lead_counts(api, data):
    assert summary(api, **JANUARY)["leads"] == {
        "total": 7,
        "assigned": 6,
        "unassigned": 1,
        "rerouted": 1,
        "converted": 2,
    }


def test_conversion_rate_is_converted_over_total(api, data):
    assert summary(api, **JANUARY)["conversion_rate"] == round(2 / 7, 6)


def test_response_time_measures_from_the_first_assignment(api, data):
    seconds = sorted([60, 120, 300, 900, 30])
    assert summary(api, **JANUARY)["response_time"] == {
        "responded": 5,
        "avg_seconds": sum(seconds) / 5,
        "median_seconds": 120.0,
        "p90_seconds": 300 + 0.6 * (900 - 300),
    }


def test_routing_efficiency(api, data):
    assert summary(api, **JANUARY)["routing_efficiency"] == {
        "assignment_rate": round(6 / 7, 6),
        "first_attempt_rate": round(5 / 7, 6),
        "fallback_rate": round(1 / 6, 6),
        "avg_routing_ms": (6 * 10.0 + 24.0) / 7,
    }


def test_by_rep_counts_conversion_and_response_times(api, data, rep, other_rep):
    by_rep = {row["rep"]["id"]: row for row in summary(api, **JANUARY)["by_rep"]}
    assert by_rep[rep.public_id] == {
        "rep": {"id": rep.public_id, "name": rep.name},
        "leads": 3,
        "converted": 1,
        "conversion_rate": round(1 / 3, 6),
        "response_time": {"responded": 3, "avg_seconds": 70.0, "median_seconds": 60.0, "p90_seconds": 108.0},
    }
    assert by_rep[other_rep.public_id]["response_time"] == {
        "responded": 2,
        "avg_seconds": 600.0,
        "median_seconds": 600.0,
        "p90_seconds": 840.0,
    }
    assert len(by_rep) == 2


def test_by_rule_groups_by_the_current_assignments_rule(api, data):
    by_rule = {(row["rule"] or {}).get("id"): row for row in summary(api, **JANUARY)["by_rule"]}
    assert {rule: row["leads"] for rule, row in by_rule.items()} == {
        "rule_uk": 2,
        "rule_us": 2,
        "rule_x": 1,
        None: 2,
    }
    assert by_rule["rule_us"]["rule"] == {"id": "rule_us", "name": "Rule us"}
    assert by_rule["rule_us"]["conversion_rate"] == 0.5
    assert by_rule["rule_us"]["response_time"]["median_seconds"] == 600.0


def test_ruleset_filter(api, data):
    body = summary(api, **JANUARY, ruleset="outbound")
    assert body["leads"]["total"] == 1 and body["response_time"]["median_seconds"] == 30.0


def test_rep_filter_counts_the_reps_current_leads(api, data, other_rep):
    body = summary(api, **JANUARY, rep=other_rep.public_id)
    assert body["leads"]["total"] == 3 and body["leads"]["converted"] == 1


def test_datetime_bounds_are_half_open(api, data):
    body = summary(api, **{"from": "2025-01-10T10:00:00Z", "to": "2025-01-10T10:00:00.000001Z"})
    assert body["leads"]["total"] == 7


def test_empty_period_has_zero_counts_and_null_rates(api, data):
    body = summary(api, **{"from": "2024-01-01", "to": "2024-01-31"})
    assert body["leads"] == {"total": 0, "assigned": 0, "unassigned": 0, "rerouted": 0, "converted": 0}
    assert body["conversion_rate"] is None
    assert body["response_time"] == {
        "responded": 0,
        "avg_seconds": None,
        "median_seconds": None,
        "p90_seconds": None,
    }
    assert set(body["routing_efficiency"].values()) == {None}
    assert body["sla"] == {"breaches": 0, "compliance_rate": None}
    assert (body["by_rep"], body["by_rule"]) == ([], [])


def test_default_period_is_the_last_30_days(api, make_lead, rep):
    now = timezone.now()
    make_lead(rep=rep, assigned_at=now - timedelta(days=1))
    make_lead(rep=rep, assigned_at=now - timedelta(days=31))
    assert summary(api)["leads"]["total"] == 1


def test_sla_breaches_and_compliance(api, data, make_policy):
    policy = make_policy()
    for name in ("l3", "l4"):
        SlaBreach.objects.create(
            public_id=f"brc_{name}",
            policy=policy,
            lead=data[name],
            detected_at=T0,
            elapsed_seconds=400,
            threshold_seconds=300,
        )
    assert summary(api, **JANUARY)["sla"] == {"breaches": 2, "compliance_rate": round(4 / 6, 6)}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2025-13-01"}, "to"),
        ({"from": "2025-02-30T10:00:00Z"}, "from"),
        ({"from": "2025-02-01", "to": "2025-01-01"}, "from"),
        ({"ruleset": "nope"}, "ruleset"),
        ({"rep": "rep_nope"}, "rep"),
    ],
)
def test_bad_parameters_are_422_naming_them(api, params, field):
    error = assert_error(api.get("analytics/summary", params), 422, "VALIDATION_ERROR")
    assert list(error["details"]) == [field]


def test_needs_the_analytics_scope(key_api):
    allowed = key_api(kind=KeyKind.RESTRICTED, scopes=["analytics:read"])
    denied = key_api(kind=KeyKind.RESTRICTED, scopes=["leads:read"])
    assert allowed.get("analytics/summary")[0] == 200
    assert_error(denied.get("analytics/summary"), 403, "FORBIDDEN")


def test_other_organizations_leads_are_not_counted(api_b, data):
    status, body, _ = api_b.get("analytics/summary", JANUARY)
    assert status == 200 and body["leads"]["total"] == 0


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [([], 0.5, None), ([7.0], 0.9, 7.0), ([1.0, 2.0], 0.5, 1.5), ([30, 60, 120, 300, 900], 0.9, 660.0)],
)
def test_sqlite_percentile_matches_percentile_cont(values, fraction, expected):
    assert percentile_cont(values, fraction) == expected
