"""Benchmark GET /analytics/summary over 1,000,000 leads in PostgreSQL (run by hand; prints its figures).

The leads (and their assignments and some SLA breaches) are generated with set-based SQL
(INSERT … SELECT generate_series) into a database of their own, which is dropped afterwards unless --keep.
BENCH_DATABASE_URL names the server and database (default: postgres://postgres@127.0.0.1:5432/
routeswit_bench_analytics); it must not be a database you care about.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/routeswit_bench_analytics"
LEADS = 1_000_000
REPS = 50
RUNS = 5
BUDGET_SECONDS = 1.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=LEADS)
    parser.add_argument("--keep", action="store_true", help="keep the database (reused on the next run)")
    return parser.parse_args()


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "routeswit.settings.test")
    import django

    django.setup()


def create_database(url: str) -> bool:
    """Create the bench database if missing; True when it already held generated data."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return bool(exists)


def drop_database(url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    parts = urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def seed(leads: int):
    """The organization, reps, rulesets and an SLA with the ORM; leads, assignments, breaches in SQL."""
    from django.core.management import call_command
    from django.db import connection

    from intelligence.services import sla_policy_create
    from reps.models import Rep
    from routeswit.orgs.models import Organization
    from routeswit.orgs.services import org_create
    from routing.models import Ruleset, RulesetVersion

    call_command("migrate", verbosity=0)
    org = Organization.objects.filter(slug="bench-analytics").first()
    if org is not None:
        return org, False
    org = org_create(name="Bench analytics", slug="bench-analytics")
    reps = Rep.objects.bulk_create(
        [
            Rep(org=org, public_id=f"rep_b{i}", name=f"Rep {i}", email=f"r{i}@bench.example")
            for i in range(REPS)
        ]
    )
    rulesets, versions = [], []
    for slug in ("inbound", "outbound", "partners"):
        ruleset = Ruleset.objects.create(org=org, public_id=f"rs_{slug}", slug=slug)
        version = RulesetVersion.objects.create(ruleset=ruleset, number=1, name=slug)
        ruleset.current_version = version
        ruleset.save()
        rulesets.append(ruleset.pk)
        versions.append(version.pk)
    policy, _ = sla_policy_create(
        org=org, data={"name": "Bench", "threshold_minutes": 15, "webhook_url": "https://93.184.215.14/x"}
    )
    params = {
        "org": org.pk,
        "n": leads,
        "reps": [r.pk for r in reps],
        "rulesets": rulesets,
        "versions": versions,
        "policy": policy.pk,
    }
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(LEADS_SQL, params)
        cursor.execute(FIRST_ASSIGNMENTS_SQL, params)
        cursor.execute(REROUTES_SQL, params)
        cursor.execute(BREACHES_SQL, params)
        cursor.execute(LEAD_COLUMNS_SQL, params)
        for table in ("leads_lead", "leads_assignment", "intelligence_slabreach"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"generated {leads:,} leads in {time.perf_counter() - started:.1f} s")
    return org, True


# All leads in the last 29 days (so the default 30-day summary covers every one of them). 8% unassigned;
# of the rest 10% re-routed once, 5% by the fallback; statuses and first responses drawn at random.
LEADS_SQL = """
INSERT INTO leads_lead (org_id, public_id, lead_id, ruleset_id, ruleset_version_id, ruleset_ref, status,
                        attributes, fingerprint, rep_id, assigned_at, attempts, first_response_at,
                        routing_ms, created_at, updated_at, reason)
WITH drawn AS MATERIALIZED (
    SELECT g, random() AS u_assign, random() AS u_status, random() AS u_reroute, random() AS u_response,
           now() - random() * interval '29 days' AS created
    FROM generate_series(1, %(n)s) AS g
), shaped AS (
    SELECT *, u_assign < 0.08 AS unassigned, u_reroute < 0.10 AS rerouted,
           CASE WHEN u_status < 0.15 THEN 'CONVERTED' WHEN u_status < 0.25 THEN 'LOST'
                WHEN u_status < 0.55 THEN 'CONTACTED' WHEN u_status < 0.65 THEN 'QUALIFIED'
                ELSE 'ASSIGNED' END AS assigned_status
    FROM drawn
)
SELECT %(org)s, 'lead_bench' || g, 'B-' || g,
       (%(rulesets)s::bigint[])[1 + g %% 3], (%(versions)s::bigint[])[1 + g %% 3], 'inbound',
       CASE WHEN unassigned THEN 'UNASSIGNED' ELSE assigned_status END,
       '{}'::jsonb, '', CASE WHEN unassigned THEN NULL ELSE (%(reps)s::bigint[])[1 + g %% 50] END,
       CASE WHEN unassigned THEN NULL WHEN rerouted THEN created + interval '10 min'
            ELSE created + interval '50 ms' END,
       CASE WHEN rerouted AND NOT unassigned THEN 2 ELSE 1 END,
       CASE WHEN unassigned OR assigned_status = 'ASSIGNED' THEN NULL
            ELSE created + interval '11 min' + u_response * interval '2 hours' END,
       2 + u_response * 20, created, created, 'NONE'
FROM shaped
"""

FIRST_ASSIGNMENTS_SQL = """
INSERT INTO leads_assignment (lead_id, rep_id, rule_public_id, rule_name, reason, attempt, tier, note,
                              explanation, assigned_at)
SELECT id,
       CASE WHEN rep_id IS NULL THEN NULL WHEN attempts = 2 THEN (%(reps)s::bigint[])[1 + (id + 1) %% 50]
            ELSE rep_id END,
       CASE WHEN rep_id IS NULL OR id %% 20 = 0 THEN NULL ELSE 'rule_' || id %% 10 END,
       CASE WHEN rep_id IS NULL OR id %% 20 = 0 THEN NULL ELSE 'Rule ' || id %% 10 END,
       CASE WHEN rep_id IS NULL THEN 'NONE' WHEN id %% 20 = 0 THEN 'FALLBACK' ELSE 'RULE_MATCH' END,
       1, 1, '', '{}'::jsonb,
       CASE WHEN attempts = 2 THEN created_at ELSE COALESCE(assigned_at, created_at) END
FROM leads_lead WHERE org_id = %(org)s
"""

# What leads.services stores on each lead for analytics: the current rule/reason, the first assignment
# time and the first response time (see leads.migrations.0006 for the same backfill).
LEAD_COLUMNS_SQL = """
UPDATE leads_lead AS l SET
    rule_public_id = cur.rule_public_id, rule_name = cur.rule_name, reason = cur.reason,
    first_assigned_at = first.assigned_at,
    response_seconds = EXTRACT(EPOCH FROM (l.first_response_at - first.assigned_at))
FROM leads_assignment AS cur
JOIN leads_assignment AS first ON first.lead_id = cur.lead_id AND first.attempt = 1
WHERE cur.lead_id = l.id AND cur.attempt = l.attempts AND l.org_id = %(org)s
"""

REROUTES_SQL = """
INSERT INTO leads_assignment (lead_id, rep_id, rule_public_id, rule_name, reason, attempt, tier, note,
                              explanation, assigned_at)
SELECT id, rep_id, 'rule_' || id %% 10, 'Rule ' || id %% 10, 'RULE_MATCH', 2, 1, 'SLA breach', '{}'::jsonb,
       assigned_at
FROM leads_lead WHERE org_id = %(org)s AND attempts = 2
"""

BREACHES_SQL = """
INSERT INTO intelligence_slabreach (public_id, policy_id, lead_id, rep_id, detected_at, elapsed_seconds,
                                    threshold_seconds, action_at, action_result)
SELECT 'brc_bench' || id, %(policy)s, id, rep_id, assigned_at + interval '15 min', 900, 900, now(), 'notified'
FROM leads_lead WHERE org_id = %(org)s AND rep_id IS NOT NULL AND id %% 50 = 0
"""


def timed(run, runs: int = RUNS) -> tuple[float, float, object]:
    run()  # warm the caches once
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), max(samples), result


class QueryTimer:
    """Times every SQL statement of one call (connection.execute_wrapper)."""

    def __init__(self):
        self.times: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.times.append((time.perf_counter() - started, sql))


def main() -> int:
    args = parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    reused = create_database(url)
    setup_django(url)
    from django.db import connection
    from django.test import Client

    from intelligence.api import analytics_filter
    from intelligence.selectors import analytics_summary
    from routeswit.orgs.services import api_key_create

    try:
        org, _ = seed(args.leads)
        if reused:
            print("reusing the generated data of an earlier --keep run")
        # What beat's analytics-rollups-build does every ANALYTICS_ROLLUP_INTERVAL_SECONDS: roll up the
        # ended days (new, or changed since their last build); today stays live.
        from intelligence.rollups import rollups_build

        started = time.perf_counter()
        days = rollups_build(orgs=[org])
        print(f"rolled up {days} days in {time.perf_counter() - started:.1f} s")
        key = api_key_create(org=org, name="bench").raw_key
        client = Client()
        cases = {
            "default (last 30 days)": {},
            "one ruleset": {"ruleset": "outbound"},
            "one rep": {"rep": "rep_b7"},
        }
        print(
            f"analytics summary over {args.leads:,} leads, median and max of {RUNS} runs (after one warm-up)"
        )
        worst = 0.0
        for label, params in cases.items():
            flt = analytics_filter(org=org, params=params)
            median, slowest, body = timed(lambda flt=flt: analytics_summary(org=org, flt=flt))
            worst = max(worst, slowest)
            print(
                f"  selector  {label:<24} median {median * 1000:7.1f} ms  max {slowest * 1000:7.1f} ms  "
                f"(total {body['leads']['total']:,}, p90 {body['response_time']['p90_seconds']} s)"
            )
        headers = {"Authorization": f"Bearer {key}"}
        median, slowest, response = timed(lambda: client.get("/api/v1/analytics/summary", headers=headers))
        assert response.status_code == 200, response.content[:500]
        worst = max(worst, slowest)
        print(
            f"  HTTP GET /api/v1/analytics/summary        median {median * 1000:7.1f} ms  "
            f"max {slowest * 1000:7.1f} ms"
        )
        timer = QueryTimer()
        with connection.execute_wrapper(timer):
            analytics_summary(org=org, flt=analytics_filter(org=org, params={}))
        print("  per query of the default summary:")
        for seconds, sql in timer.times:
            print(f"    {seconds * 1000:7.1f} ms  {' '.join(sql.split())[:90]}…")
        verdict = "PASS" if worst < BUDGET_SECONDS else "FAIL"
        print(f"{verdict}: slowest run {worst * 1000:.0f} ms (budget {BUDGET_SECONDS * 1000:.0f} ms)")
        return 0 if verdict == "PASS" else 1
    finally:
        if not args.keep:
            drop_database(url)
            print("dropped the bench database")


if __name__ == "__main__":
    sys.exit(main())
