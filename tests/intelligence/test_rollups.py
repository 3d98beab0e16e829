"""The analytics rollups (intelligence.rollups): ended days are summed into cells by the builder, a change to
a lead of such a day (or a new breach of one) marks the day stale through the database triggers, a marked
day is read live until it is rebuilt, and a write that commits while a build runs is never lost."""

import io
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from intelligence import rollups
from intelligence.models import AnalyticsDay, AnalyticsDirtyMark, LeadDayCell, SlaBreach
from intelligence.rollups import _LOCK_CLASS, _lock_key, built_days, day_build, rollups_build
from leads.models import Lead, LeadStatus
from leads.services import lead_update
from routeswit.celery import periodic_schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def past(make_lead, rep):
    """Two leads three days ago (one responded after 120 s), one today; the ended days rolled up."""
    day = timezone.now() - timedelta(days=3)
    old = make_lead(rep=rep, assigned_at=day, first_response_at=day + timedelta(seconds=120))
    other = make_lead(rep=rep, assigned_at=day)
    today = make_lead(rep=rep)
    assert rollups_build() == 1
    return {"day": day.date(), "old": old, "other": other, "today": today}


def summary(api):
    status, body, _ = api.get("analytics/summary", {})
    assert status == 200, body
    return body


def breach(lead, policy) -> SlaBreach:
    return SlaBreach.objects.create(
        public_id=f"brc_{lead.pk}",
        policy=policy,
        lead=lead,
        detected_at=timezone.now(),
        elapsed_seconds=400,
        threshold_seconds=300,
    )


def marked_days(org) -> set:
    return set(AnalyticsDirtyMark.objects.filter(org_id=org.pk).values_list("day", flat=True))


def period(org):
    now = timezone.now()
    return built_days(org=org, start=now - timedelta(days=30), end=now)


def test_the_builder_sums_each_ended_day_once_and_leaves_today_live(org_a, past):
    cells = LeadDayCell.objects.filter(org=org_a)
    assert [(c.day, c.total, c.assigned, c.responded, c.response_seconds_sum) for c in cells] == [
        (past["day"], 2, 2, 1, 120.0)
    ]
    assert past["day"] in period(org_a)
    assert timezone.now().date() not in set(AnalyticsDay.objects.values_list("day", flat=True))
    assert rollups_build() == 0  # nothing new, nothing marked


def test_a_status_change_of_an_old_lead_is_read_live_until_the_day_is_rebuilt(api, org_a, past):
    assert summary(api)["leads"]["converted"] == 0
    lead_update(lead=past["old"], data={"status": LeadStatus.CONVERTED})
    assert marked_days(org_a) == {past["day"]}
    assert past["day"] not in period(org_a)
    assert summary(api)["leads"]["converted"] == 1  # read live
    assert rollups_build() == 1
    assert marked_days(org_a) == set() and past["day"] in period(org_a)
    assert LeadDayCell.objects.get(org=org_a, day=past["day"]).converted == 1
    assert summary(api)["leads"]["converted"] == 1  # from the rebuilt cells


def test_a_first_response_and_a_breach_of_an_old_lead_mark_its_day(org_a, past, make_policy):
    Lead.objects.filter(pk=past["other"].pk).update(first_response_at=timezone.now(), response_seconds=3600.0)
    assert marked_days(org_a) == {past["day"]}
    rollups_build()
    breach(past["old"], make_policy())
    assert marked_days(org_a) == {past["day"]}


def test_writes_the_summary_does_not_read_and_todays_leads_leave_no_mark(org_a, past):
    lead_update(lead=past["old"], data={"attributes": {"country": "FR"}})
    lead_update(lead=past["today"], data={"status": LeadStatus.LOST})
    assert marked_days(org_a) == set()


def test_the_summary_is_the_same_from_cells_and_live(api, org_a, past, make_lead, rep, other_rep):
    make_lead(rep=other_rep, rule="rule_us", assigned_at=timezone.now() - timedelta(days=5))
    before = summary(api)
    assert rollups_build() == 1
    assert len(period(org_a)) >= 2
    after = summary(api)
    for body in (before, after):
        del body["from"], body["to"]  # the default period ends now
    assert after == before


@pytest.mark.django_db(transaction=True)
def test_a_write_committed_while_a_day_is_built_keeps_the_day_stale(api, org_a, past):
    """The builder reads one snapshot and deletes only the marks it saw: an update in flight during the
    build commits afterwards with its mark, so the day is read live (and right) until the next build."""
    with _other_connection() as other:
        other.execute(
            "UPDATE leads_lead SET status = 'CONVERTED' WHERE id = %s", [past["old"].pk]
        )  # not committed yet: its mark is not visible to the builder
        assert day_build(org=org_a, day=past["day"]) is True
        other.commit()
    assert marked_days(org_a) == {past["day"]}
    assert past["day"] not in period(org_a)
    assert summary(api)["leads"]["converted"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_second_builder_skips_a_day_another_is_building(org_a, past):
    with _other_connection() as other:
        other.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, _lock_key(org_a, past["day"])])
        assert day_build(org=org_a, day=past["day"]) is False
        other.rollback()
    assert day_build(org=org_a, day=past["day"]) is True


def test_beat_runs_the_builder():
    task, seconds = periodic_schedule(settings)["analytics-rollups-build"]
    assert task == "intelligence.tasks.analytics_rollups_build"
    assert seconds == settings.ANALYTICS_ROLLUP_INTERVAL_SECONDS


def _other_connection() -> psycopg.Connection:
    params = connection.settings_dict
    return psycopg.connect(
        host=params["HOST"], port=params["PORT"] or 5432, user=params["USER"], dbname=params["NAME"]
    )


def test_the_management_command_builds_once(make_lead, rep):
    make_lead(rep=rep, assigned_at=timezone.now() - timedelta(days=2))
    out = io.StringIO()
    call_command("analytics_rollup", stdout=out)
    assert out.getvalue().strip() == "Rolled up 1 day(s)."
    assert LeadDayCell.objects.count() == 1


def test_deleting_an_organization_with_rolled_up_days_deletes_them(org_a, past, make_policy):
    breach(past["old"], make_policy())
    org_a.delete()
    assert not LeadDayCell.objects.exists() and not AnalyticsDay.objects.exists()


def test_a_run_cut_short_by_its_budget_leaves_the_rest_for_the_next(org_a, make_lead, rep, monkeypatch):
    now = timezone.now()
    days = [(now - timedelta(days=n)).date() for n in (10, 9, 8)]
    for n in (10, 9, 8):
        make_lead(rep=rep, assigned_at=now - timedelta(days=n))
    monkeypatch.setattr(rollups, "BUILD_BUDGET_DAYS", 2)
    assert rollups_build() == 2
    assert not AnalyticsDay.objects.filter(day__gt=days[1]).exists()  # not even the empty days after it
    assert rollups_build() == 1
    assert set(LeadDayCell.objects.values_list("day", flat=True)) == set(days)
    assert AnalyticsDay.objects.filter(day__gt=days[2]).count() == 7  # the empty days up to yesterday


def test_marks_left_by_a_deleted_organization_are_cleared(org_a, past):
    org_pk = org_a.pk
    org_a.delete()
    assert AnalyticsDirtyMark.objects.filter(org_id=org_pk).exists()  # the leads' delete triggers
    rollups_build()
    assert not AnalyticsDirtyMark.objects.exists()


def test_a_transaction_marks_each_day_once_however_many_old_leads_it_writes(org_a, past, make_lead, rep):
    for _ in range(5):
        make_lead(rep=rep, assigned_at=timezone.now() - timedelta(days=3))
    Lead.objects.filter(org=org_a).update(routing_ms=99.0)
    assert AnalyticsDirtyMark.objects.filter(org_id=org_a.pk).count() == 1
