"""Routing cost as rulesets grow (run by hand): lead_route in-process against PostgreSQL for rulesets of
10, 1,000 and 10,000 rules where only the last rule matches, equality (indexed) and range (scanned).

    .venv/bin/python bench/bench_routing_scale.py [--leads 200]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "routeswit.settings.production")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-0123456789abcdef0123456789abcdef")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/routeswit_bench")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from leads.services import lead_route  # noqa: E402
from reps.services import rep_create  # noqa: E402
from routeswit.orgs.models import Organization  # noqa: E402
from routeswit.orgs.services import org_create  # noqa: E402
from routing.selectors import compiled_cache  # noqa: E402
from routing.services import ruleset_save  # noqa: E402


def rules_for(kind: str, count: int) -> list[dict]:
    if kind == "equality":
        make = lambda i: f"attributes.account == 'acct-{i}'"  # noqa: E731
    else:
        make = lambda i: f"attributes.score > {1_000_000 - i}"  # noqa: E731
    return [{"name": f"r{i}", "condition": make(i), "target_id": "rep_scale"} for i in range(count)]


def last_rule_lead(kind: str, count: int) -> dict:
    return {"account": f"acct-{count - 1}"} if kind == "equality" else {"score": 1_000_000 - count + 2}


def measure(org, kind: str, count: int, leads: int) -> tuple[float, float, float]:
    slug = f"{kind}-{count}"
    started = time.perf_counter()
    ruleset_save(org=org, data={"slug": slug, "rules": rules_for(kind, count)})
    save_ms = (time.perf_counter() - started) * 1000
    attributes = last_rule_lead(kind, count)
    compiled_cache.entries.clear()
    started = time.perf_counter()
    lead_route(org=org, data={"lead_id": f"{slug}-first", "ruleset_id": slug, "attributes": attributes})
    first_ms = (time.perf_counter() - started) * 1000  # includes compiling the version once per process
    samples = []
    for i in range(leads):
        started = time.perf_counter()
        lead, _ = lead_route(
            org=org, data={"lead_id": f"{slug}-{i}", "ruleset_id": slug, "attributes": attributes}
        )
        samples.append((time.perf_counter() - started) * 1000)
        assert lead.rep_id is not None
    return save_ms, first_ms, statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    Organization.objects.filter(slug="bench-scale").delete()
    org = org_create(name="Scale", slug="bench-scale")
    rep_create(org=org, data={"id": "rep_scale", "name": "Scale", "email": "scale@bench.example"})
    print(f"{'ruleset':18} {'save ms':>9} {'first lead ms':>14} {'median lead ms':>15}")
    for kind in ("equality", "range"):
        for count in (10, 1_000, 10_000):
            save_ms, first_ms, median_ms = measure(org, kind, count, args.leads)
            print(f"{kind + ' ' + str(count):18} {save_ms:>9.0f} {first_ms:>14.1f} {median_ms:>15.2f}")
    simulate(org, args.leads)
    Organization.objects.filter(slug="bench-scale").delete()


def simulate(org, _leads: int) -> None:
    """The backtest of a draft over the most recent 1,000 and 10,000 leads of a 20-rule ruleset."""
    from leads.models import Lead
    from routing.preview import ruleset_simulate
    from routing.selectors import ruleset_get

    rules = [
        {"name": f"c{i}", "condition": f"attributes.country == 'C{i}'", "target_id": "rep_scale"}
        for i in range(20)
    ]
    ruleset_save(org=org, data={"slug": "sim", "rules": rules})
    ruleset = ruleset_get(org=org, ref="sim")
    existing = Lead.objects.filter(ruleset=ruleset).count()
    for i in range(existing, 10_000):
        lead_route(
            org=org,
            data={"lead_id": f"sim-{i}", "ruleset_id": "sim", "attributes": {"country": f"C{i % 25}"}},
        )
    draft = {"rules": list(reversed(rules))}
    for limit in (1_000, 10_000):
        started = time.perf_counter()
        result = ruleset_simulate(org=org, ruleset=ruleset, draft=draft, limit=limit)
        elapsed = (time.perf_counter() - started) * 1000
        print(f"simulate over {result['compared']:>6} leads: {elapsed:8.0f} ms ({result['changed']} changed)")


if __name__ == "__main__":
    main()
