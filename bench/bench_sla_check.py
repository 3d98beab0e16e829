"""SLA breach detection at scale (run by hand; prints its figures): one check over 10k, 100k and 1M leads.

Every generated lead is ASSIGNED to a rep and waiting for a first response; 1% were assigned long before the
15-minute threshold (half of those already have their breach recorded by an earlier check, half are new),
the rest within it. The rows are generated with set-based SQL (INSERT … SELECT generate_series, as
bench/bench_analytics.py does) into a database of their own, grown 10k -> 100k -> 1M, and dropped at the
end unless --keep. At each size it times `sla_breaches_find` (the query) and `sla_breaches_record` (query,
breach and event inserts; rolled back so every run finds the same leads), and prints how they grow. With
--explain, the EXPLAIN ANALYZE of the detection query at the largest size.

    .venv/bin/python bench/bench_sla_check.py [--sizes 10000,100000,1000000] [--explain] [--keep]

BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/routeswit_bench_sla) must not be a database
you care about.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_analytics import create_database, drop_database, setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/routeswit_bench_sla"
SIZES = (10_000, 100_000, 1_000_000)
REPS = 50
RUNS = 3
BUDGET_SECONDS = 1.0
# Every lead is measured against this instant (not the clock), so minutes of generation change nothing.
ANCHOR = datetime.now(UTC).replace(microsecond=0)

# Leads g in (%(start)s, %(stop)s]: g % 100 = 0 were assigned 1-3 hours before ANCHOR (past the threshold),
# the others 0-10 minutes before it.
LEADS_SQL = """
INSERT INTO leads_lead (org_id, public_id, lead_id, ruleset_id, ruleset_version_id, ruleset_ref, status,
                        attributes, fingerprint, rep_id, assigned_at, attempts, reason, first_assigned_at,
                        routing_ms, created_at, updated_at)
WITH drawn AS MATERIALIZED (
    SELECT g, CASE WHEN g %% 100 = 0 THEN %(anchor)s - interval '1 hour' - random() * interval '2 hours'
                   ELSE %(anchor)s - random() * interval '10 minutes' END AS assigned
    FROM generate_series(%(start)s + 1, %(stop)s) AS g
)
SELECT %(org)s, 'lead_sla' || g, 'S-' || g, %(ruleset)s, %(version)s, 'inbound', 'ASSIGNED', '{}'::jsonb, '',
       (%(reps)s::bigint[])[1 + g %% 50], assigned, 1, 'RULE_MATCH', assigned, 5, assigned, assigned
FROM drawn
"""

# Half of the overdue leads (g % 200 = 0) were already recorded by an earlier check.
BREACHES_SQL = """
INSERT INTO intelligence_slabreach (public_id, policy_id, lead_id, rep_id, detected_at, elapsed_seconds,
                                    threshold_seconds, action_at, action_result)
SELECT 'brc_sla' || id, %(policy)s, id, rep_id, assigned_at + interval '15 min', 900, 900, now(), 'notified'
FROM leads_lead
WHERE org_id = %(org)s AND id > %(after_pk)s AND replace(lead_id, 'S-', '')::bigint %% 200 = 0
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the query at the last size")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


def seed_base():
    """The organization, reps, a ruleset and a 15-minute SLA (no ruleset scope, wall-clock time)."""
    from django.core.management import call_command

    from intelligence.services import sla_policy_create
    from reps.models import Rep
    from routeswit.orgs.services import org_create
    from routing.models import Ruleset, RulesetVersion

    call_command("migrate", verbosity=0)
    org = org_create(name="Bench SLA", slug="bench-sla")
    reps = Rep.objects.bulk_create(
        [
            Rep(org=org, public_id=f"rep_s{i}", name=f"Rep {i}", email=f"s{i}@bench.example")
            for i in range(REPS)
        ]
    )
    ruleset = Ruleset.objects.create(org=org, public_id="rs_inbound", slug="inbound")
    version = RulesetVersion.objects.create(ruleset=ruleset, number=1, name="inbound")
    ruleset.current_version = version
    ruleset.save()
    policy, _ = sla_policy_create(
        org=org, data={"name": "Bench", "threshold_minutes": 15, "webhook_url": "https://93.184.215.14/x"}
    )
    return {"org": org.pk, "ruleset": ruleset.pk, "version": version.pk, "reps": [r.pk for r in reps]}, policy


def grow(params: dict, policy, start: int, stop: int) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(max(id), 0) FROM leads_lead")
        after_pk = cursor.fetchone()[0]
        cursor.execute(LEADS_SQL, {**params, "start": start, "stop": stop, "anchor": ANCHOR})
        cursor.execute(BREACHES_SQL, {**params, "policy": policy.pk, "after_pk": after_pk})
        for table in ("leads_lead", "intelligence_slabreach"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - started


def timed(run) -> tuple[float, object]:
    run()  # warm the caches once
    samples, result = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), result


class SqlTimer:
    """Sums the time spent in SQL statements (connection.execute_wrapper), to tell it from Python time."""

    def __init__(self):
        self.seconds, self.statements = 0.0, 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.statements += 1


def record_rolled_back(policy, timer: SqlTimer | None = None) -> int:
    from django.db import connection, transaction

    from intelligence.services import sla_breaches_record

    with connection.execute_wrapper(timer or SqlTimer()), transaction.atomic():
        recorded = sla_breaches_record(policy=policy, now=ANCHOR)
        transaction.set_rollback(True)
    return len(recorded)


def explain_find(policy) -> str:
    """EXPLAIN ANALYZE the detection query exactly as sla_breaches_find sends it."""
    from django.db import connection

    from intelligence.services import sla_breaches_find

    captured = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        sla_breaches_find(policy=policy, now=ANCHOR)
    sql, params = next((s, p) for s, p in captured if "leads_lead" in s)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> int:
    args = parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    setup_django(url)
    logging.getLogger("routeswit.sla").setLevel(logging.WARNING)  # one line per breach otherwise
    drop_database(url)
    create_database(url)
    from intelligence.services import sla_breaches_find

    rows = []
    try:
        params, policy = seed_base()
        have = 0
        print(
            f"SLA check (15-minute threshold, 1% of leads overdue, half of those new), median of {RUNS} runs"
        )
        for size in sizes:
            seconds = grow(params, policy, have, size)
            have = size
            find_s, found = timed(lambda: sla_breaches_find(policy=policy, now=ANCHOR))
            record_s, recorded = timed(lambda: record_rolled_back(policy))
            timer = SqlTimer()
            record_rolled_back(policy, timer)
            rows.append((size, find_s, record_s))
            print(
                f"  {size:>9,} leads (generated in {seconds:5.1f} s): find {find_s * 1000:8.1f} ms "
                f"({len(found)} found)   record {record_s * 1000:8.1f} ms ({recorded} breaches + events; "
                f"{timer.statements} statements, {timer.seconds * 1000:.0f} ms in SQL)"
            )
        report_growth(rows)
        if args.explain:
            print(f"\nEXPLAIN ANALYZE of the detection query at {sizes[-1]:,} leads:\n{explain_find(policy)}")
    finally:
        if not args.keep:
            drop_database(url)
    return 0


def report_growth(rows: list[tuple[int, float, float]]) -> None:
    for (n0, f0, r0), (n1, f1, r1) in zip(rows, rows[1:], strict=False):
        print(
            f"  {n0:,} -> {n1:,} leads (x{n1 / n0:g}): find x{f1 / f0:.1f}, record x{r1 / r0:.1f}"
            f"  (linear would be x{n1 / n0:g})"
        )
    largest = rows[-1]
    ok = largest[2] <= BUDGET_SECONDS
    print(
        f"  one check at {largest[0]:,} leads: {largest[2] * 1000:.0f} ms "
        f"(target <= {BUDGET_SECONDS:g} s: {'met' if ok else 'NOT met'})"
    )


if __name__ == "__main__":
    sys.exit(main())
