"""Faults on a real stack: Redis down while leads arrive, PostgreSQL restarted under traffic, duplicates.

Each test runs real processes (gunicorn, a Celery worker, its own Redis or PostgreSQL) on loopback, bounded
in time and always stopped.
"""

import subprocess
import threading
import time
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection

from leads.models import Assignment, Lead
from reps.services import rep_create
from routeswit.orgs.services import api_key_create, org_create
from routing.services import ruleset_save
from tests.e2e.sla_processes import ROOT, VENV_BIN, Redis, Worker, wait_for, worker_env
from tests.e2e.web_processes import PrivatePostgres, Web

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _org_with_routing(slug: str = "faults") -> str:
    org = org_create(name="Faults", slug=slug)
    rep_create(org=org, data={"id": "rep_a", "name": "A", "email": "a@faults.example"})
    rep_create(org=org, data={"id": "rep_b", "name": "B", "email": "b@faults.example"})
    ruleset_save(
        org=org,
        data={"slug": "inbound", "rules": [{"targets": [{"target_id": "rep_a"}, {"target_id": "rep_b"}]}]},
    )
    return api_key_create(org=org).raw_key


def _lead(lead_id: str) -> dict:
    return {"lead_id": lead_id, "ruleset_id": "inbound", "attributes": {"country": "UK"}}


def test_redis_down_leads_still_route_and_alerts_go_out_when_it_is_back(tmp_path):
    redis = Redis()
    redis.start()
    redis.stop()
    env = worker_env(database_name=connection.settings_dict["NAME"], redis_url=redis.url)
    env["ALERT_SWEEP_INTERVAL_SECONDS"] = "1"
    key = _org_with_routing()
    auth = {"Authorization": f"Bearer {key}"}
    web = Web(env=env, workdir=tmp_path)
    worker = None
    try:
        for i in range(5):
            started = time.monotonic()
            status, body, _ = web.request("POST", "/api/v1/leads", _lead(f"R-{i}"), auth)
            assert status == 201, body
            assert time.monotonic() - started < 3, "a broker outage must not hang the request"
        assert "rate limiter unavailable, failing open" in web.output()
        assert Assignment.objects.filter(notified_at__isnull=True).count() == 5  # waiting in the outbox
        redis.start()
        worker = Worker(env=env, workdir=tmp_path)
        worker.wait_ready()
        wait_for(lambda: not Assignment.objects.filter(notified_at__isnull=True).exists(), what="alerts sent")
    finally:
        web.stop()
        if worker:
            worker.stop()
        redis.stop() if redis.is_up() else None


SETUP_SCRIPT = """
import django; django.setup()
from tests.e2e.test_faults import _org_with_routing
print(_org_with_routing())
"""


def test_postgres_restart_answers_503_then_recovers_without_a_server_restart(tmp_path):
    pg = PrivatePostgres()
    web = None
    try:
        pg.start()
        env = worker_env(database_name="postgres", redis_url=settings.REDIS_URL)
        env["DATABASE_URL"] = pg.url
        run = {"cwd": ROOT, "env": env, "capture_output": True, "text": True, "timeout": 120}
        subprocess.run([str(VENV_BIN / "python"), "manage.py", "migrate", "-v0"], check=True, **run)
        key = subprocess.run(
            [str(VENV_BIN / "python"), "-c", SETUP_SCRIPT], check=True, **run
        ).stdout.split()[-1]
        auth = {"Authorization": f"Bearer {key}"}
        web = Web(env=env, workdir=tmp_path)
        assert web.request("POST", "/api/v1/leads", _lead("P-0"), auth)[0] == 201
        pg.stop()
        status, body, headers = web.request("POST", "/api/v1/leads", _lead("P-1"), auth)
        assert status == 503 and body["error"]["code"] == "SERVICE_UNAVAILABLE"
        assert int(headers["Retry-After"]) > 0 and body["error"]["request_id"] == headers["X-Request-Id"]
        assert web.request("GET", "/api/v1/health")[0] == 503
        pg.start()
        wait_for(lambda: web.request("POST", "/api/v1/leads", _lead("P-2"), auth)[0] == 201, what="recovery")
        assert web.process.poll() is None
        assert web.request("GET", "/api/v1/health")[0] == 200
    finally:
        if web:
            web.stop()
        pg.remove()


def _storm(web: Web, requests: list[tuple[dict, dict]]) -> list[tuple[int, dict, dict]]:
    barrier = threading.Barrier(len(requests))
    results = []
    lock = threading.Lock()

    def send(body, headers):
        barrier.wait()
        result = web.request("POST", "/api/v1/leads", body, headers)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=send, args=item) for item in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_duplicate_storms_make_one_lead(tmp_path):
    key = _org_with_routing()
    env = worker_env(database_name=connection.settings_dict["NAME"], redis_url=settings.REDIS_URL)
    web = Web(env=env, workdir=tmp_path, threads=16)
    auth = {"Authorization": f"Bearer {key}"}
    try:
        same_lead = _storm(web, [(_lead("STORM-1"), auth)] * 50)
        assert Counter(status for status, _, _ in same_lead) == {201: 1, 200: 49}
        assert len({body["id"] for _, body, _ in same_lead}) == 1
        same_key = _storm(web, [(_lead("KEYED-1"), {**auth, "Idempotency-Key": "storm-key"})] * 50)
        # One request writes; the others replay its 201 (Idempotent-Replayed) or are told it is in progress.
        written = [r for r in same_key if r[0] == 201 and r[2].get("Idempotent-Replayed") != "true"]
        assert len(written) == 1
        assert {status for status, _, _ in same_key} <= {201, 409}
        assert Lead.objects.filter(lead_id__startswith="STORM").count() == 1
        assert Lead.objects.filter(lead_id__startswith="KEYED").count() == 1
        assert Assignment.objects.count() == 2
    finally:
        web.stop()
