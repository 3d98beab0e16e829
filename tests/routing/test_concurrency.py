"""Routing under real concurrency: threads with their own PostgreSQL connections, released together."""

import logging
import threading
import time
from collections import Counter

import pytest
from django.db import connection

from leads import services
from leads.models import OPEN_STATUSES, Assignment, Lead
from reps.models import Rep
from tests.conftest import Api

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 8


def run_parallel(raw_key: str, bodies_per_thread: list[list[dict]]) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(len(bodies_per_thread))
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def work(bodies):
        client = Api(raw_key)
        try:
            barrier.wait()
            for body in bodies:
                status, data, _ = client.post("leads", body)
                with lock:
                    results.append((status, data))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(bodies,)) for bodies in bodies_per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def assert_counters_match_recount():
    for rep in Rep.objects.all():
        open_count = Lead.objects.filter(rep=rep, status__in=OPEN_STATUSES).count()
        assert rep.open_leads == open_count, rep.public_id
    # The daily cap is counted from the assignments themselves, so there is no second counter to drift.
    assert not Assignment.objects.exclude(rep=None).filter(rep_day__isnull=True).exists()


def test_parallel_round_robin_is_fair_and_counters_match(key_a, make_rep, save_rules):
    reps = [f"rep_{i}" for i in range(4)]
    for rep in reps:
        make_rep(rep)
    save_rules("rr", [{"targets": [{"target_id": r} for r in reps]}])
    bodies = [
        [{"lead_id": f"T{t}-{i}", "ruleset_id": "rr", "attributes": {}} for i in range(25)]
        for t in range(THREADS)
    ]
    results = run_parallel(key_a.raw_key, bodies)
    assert len(results) == THREADS * 25 and all(status == 201 for status, _ in results)
    counts = Counter(data["assignment"]["rep"]["id"] for _, data in results)
    assert max(counts.values()) - min(counts.values()) <= 1, counts
    assert_counters_match_recount()


def test_parallel_routing_never_exceeds_caps(key_a, make_rep, save_rules):
    make_rep("rep_small", max_open_leads=7)
    make_rep("rep_daily", max_leads_per_day=11)
    make_rep("rep_big", max_open_leads=25)
    save_rules("caps", [{"targets": [{"target_id": r} for r in ("rep_small", "rep_daily", "rep_big")]}])
    bodies = [
        [{"lead_id": f"C{t}-{i}", "ruleset_id": "caps", "attributes": {}} for i in range(8)]
        for t in range(THREADS)
    ]
    results = run_parallel(key_a.raw_key, bodies)
    counts = Counter(data["assignment"]["rep"]["id"] for _, data in results if data["assignment"])
    assert counts == {"rep_small": 7, "rep_daily": 11, "rep_big": 25}
    assert sum(1 for _, data in results if data["status"] == "UNASSIGNED") == THREADS * 8 - 43
    assert_counters_match_recount()


def test_parallel_weighted_keeps_proportions(key_a, make_rep, save_rules):
    make_rep("rep_heavy", weight=3)
    make_rep("rep_light", weight=1)
    save_rules(
        "w",
        [{"targets": [{"target_id": "rep_heavy"}, {"target_id": "rep_light"}], "distribution": "weighted"}],
    )
    bodies = [
        [{"lead_id": f"W{t}-{i}", "ruleset_id": "w", "attributes": {}} for i in range(10)]
        for t in range(THREADS)
    ]
    results = run_parallel(key_a.raw_key, bodies)
    counts = Counter(data["assignment"]["rep"]["id"] for _, data in results)
    assert counts == {"rep_heavy": 60, "rep_light": 20}


def test_concurrent_duplicate_lead_id_makes_one_lead(key_a, make_rep, save_rules):
    make_rep("rep_a")
    make_rep("rep_b")
    save_rules("d", [{"targets": [{"target_id": "rep_a"}, {"target_id": "rep_b"}]}])
    body = {"lead_id": "DUP-1", "ruleset_id": "d", "attributes": {"x": 1}}
    results = run_parallel(key_a.raw_key, [[body] for _ in range(THREADS)])
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 1, 200: THREADS - 1}
    assert len({data["id"] for _, data in results}) == 1
    assert Lead.objects.count() == 1 and Assignment.objects.count() == 1
    assert_counters_match_recount()


def test_pools_sharing_capped_reps_never_exceed_the_caps(key_a, make_rep, save_rules):
    """Each pool has its own lock, so two pools route at the same time; a rep in both is guarded on its own
    row (open leads) and recounted under that row's lock (leads per day)."""
    make_rep("rep_shared_open", max_open_leads=9)
    make_rep("rep_shared_daily", max_leads_per_day=10)
    make_rep("rep_east")
    make_rep("rep_west")
    shared = [{"target_id": "rep_shared_open"}, {"target_id": "rep_shared_daily"}]
    save_rules(
        "regions",
        [
            {"condition": "attributes.region == 'east'", "targets": [*shared, {"target_id": "rep_east"}]},
            {"condition": "attributes.region == 'west'", "targets": [*shared, {"target_id": "rep_west"}]},
        ],
    )
    bodies = [
        [
            {
                "lead_id": f"R{t}-{i}",
                "ruleset_id": "regions",
                "attributes": {"region": ("east", "west")[i % 2]},
            }
            for i in range(12)
        ]
        for t in range(THREADS)
    ]
    results = run_parallel(key_a.raw_key, bodies)
    assert len(results) == THREADS * 12 and all(status == 201 for status, _ in results)
    counts = Counter(data["assignment"]["rep"]["id"] for _, data in results)
    assert counts["rep_shared_open"] == 9 and counts["rep_shared_daily"] == 10, counts
    assert counts["rep_east"] + counts["rep_west"] == THREADS * 12 - 19
    assert Assignment.objects.filter(rep__public_id="rep_shared_daily").count() == 10
    assert_counters_match_recount()


def test_two_reroutes_swapping_reps_do_not_deadlock(key_a, make_rep, save_rules, monkeypatch, caplog):
    """Lead M moves from R to S while lead N moves from S to R: each changes two rep rows, and both lock
    them in id order, so one waits for the other instead of deadlocking (and retrying after a second)."""
    make_rep("rep_r")
    make_rep("rep_s")
    make_rep("rep_t", status="OFFLINE")  # only so that the two rules are two pools (two locks)
    save_rules(
        "swap",
        [
            {"condition": "attributes.k == 'a'", "targets": [{"target_id": "rep_r"}, {"target_id": "rep_s"}]},
            {
                "condition": "attributes.k == 'b'",
                "distribution": "ordered",
                "targets": [{"target_id": "rep_s"}, {"target_id": "rep_r"}, {"target_id": "rep_t"}],
            },
        ],
    )
    api = Api(key_a.raw_key)
    _, m, _ = api.post("leads", {"lead_id": "M", "ruleset_id": "swap", "attributes": {"k": "a"}})
    _, n, _ = api.post("leads", {"lead_id": "N", "ruleset_id": "swap", "attributes": {"k": "b"}})
    assert (m["assignment"]["rep"]["id"], n["assignment"]["rep"]["id"]) == ("rep_r", "rep_s")
    real_release = services._release

    def slow_release(lead):  # both new reps are written before either old one is released
        time.sleep(0.5)
        return real_release(lead)

    monkeypatch.setattr(services, "_release", slow_release)
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def reroute(public_id):
        try:
            barrier.wait(timeout=10)
            lead = services.lead_reroute(lead=Lead.objects.get(public_id=public_id))
            results[public_id] = lead.rep.public_id
        except Exception as exc:  # noqa: BLE001 (a thread's failure is asserted on below)
            errors.append(repr(exc))
        finally:
            connection.close()

    caplog.set_level(logging.WARNING, logger="routeswit.routing")
    threads = [threading.Thread(target=reroute, args=(lead["id"],)) for lead in (m, n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and results == {m["id"]: "rep_s", n["id"]: "rep_r"}
    assert not [r for r in caplog.records if "deadlock" in r.getMessage()]
    assert_counters_match_recount()
