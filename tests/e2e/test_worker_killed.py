"""End to end: a Celery worker SIGKILLed while a webhook attempt is in flight loses nothing. Its claim on the
event lapses (settings.WEBHOOK_CLAIM_LEASE_SECONDS), and a new worker sends the event again with the same
webhook-id."""

import os
import signal
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from intelligence.models import EventStatus, WebhookDelivery, WebhookEvent
from leads.models import Lead, LeadStatus
from reps.services import rep_create
from routeswit.ids import new_public_id
from routing.models import Ruleset, RulesetVersion
from tests.e2e.sla_processes import Worker, running_redis, wait_for, worker_env

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HANG_SECONDS = 20
# The shortest lease the product allows (an attempt's 10 s timeout plus a margin): the takeover comes this
# long after the dead worker's claim, well inside the 45 s bound of each wait.
LEASE_SECONDS = 15


class HangingReceiver:
    """A real HTTP server on 127.0.0.1: the first request is read and then left hanging (up to 20 s, or
    until close), so the attempt is in flight; later requests get 200 at once."""

    def __init__(self):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append({"headers": dict(self.headers), "body": body})
                    first = len(receiver.requests) == 1
                if first:
                    receiver.release.wait(HANG_SECONDS)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the worker that sent it is dead

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def count(self) -> int:
        with self.lock:
            return len(self.requests)

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def redis():
    with running_redis() as server:
        yield server


@pytest.fixture
def env(transactional_db, redis):
    env = worker_env(database_name=connection.settings_dict["NAME"], redis_url=redis.url)
    env["WEBHOOK_CLAIM_LEASE_SECONDS"] = str(LEASE_SECONDS)
    return env


@pytest.fixture
def workers(env, tmp_path):
    """`workers()` starts one more worker (own log and beat schedule); all are stopped at the end."""
    started: list[Worker] = []

    def start() -> Worker:
        workdir = tmp_path / f"worker-{len(started) + 1}"
        workdir.mkdir()
        started.append(Worker(env=env, workdir=workdir))
        started[-1].wait_ready()
        return started[-1]

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()


@pytest.fixture
def receiver():
    server = HangingReceiver()
    try:
        yield server
    finally:
        server.close()


def overdue_lead(org) -> Lead:
    """An ASSIGNED lead with no response, assigned 5 minutes ago: past a 1-minute SLA."""
    rep = rep_create(org=org, data={"name": "Alex", "email": "alex@a.example"})
    ruleset = Ruleset.objects.create(org=org, public_id=new_public_id("rs"), slug="inbound")
    version = RulesetVersion.objects.create(ruleset=ruleset, number=1, name="Inbound")
    return Lead.objects.create(
        org=org,
        public_id=new_public_id("lead"),
        lead_id="LD-1",
        ruleset=ruleset,
        ruleset_version=version,
        ruleset_ref=ruleset.slug,
        status=LeadStatus.ASSIGNED,
        fingerprint="0" * 64,
        rep=rep,
        assigned_at=timezone.now() - timedelta(minutes=5),
    )


def kill_group(worker: Worker) -> None:
    """SIGKILL the worker and its embedded beat, as the OOM killer or a lost host would: no cleanup."""
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=10)


def test_killed_workers_attempt_is_sent_again_by_a_new_worker_with_the_same_webhook_id(
    org_a, api, workers, receiver
):
    first = workers()
    with override_settings(WEBHOOK_ALLOW_PRIVATE_NETWORKS=True):
        status, sla, _ = api.post(
            "slas", {"name": "Respond in 1", "threshold_minutes": 1, "webhook_url": receiver.url}
        )
    assert status == 201, sla
    lead = overdue_lead(org_a)

    wait_for(lambda: receiver.count() >= 1, timeout=45, what=f"the first attempt\n{first.output()[-3000:]}")
    event = WebhookEvent.objects.get()
    assert (event.status, event.attempts) == (EventStatus.PENDING, 1)
    assert event.locked_until is not None  # claimed by the first worker, which now hangs in the POST
    kill_group(first)

    second = workers()
    wait_for(
        lambda: receiver.count() >= 2,
        timeout=45,
        what=f"the attempt after the kill\n{second.output()[-3000:]}",
    )
    event = wait_for(
        lambda: WebhookEvent.objects.filter(status=EventStatus.DELIVERED).first(),
        timeout=45,
        what="delivered",
    )
    hung, retried = receiver.requests[:2]
    assert hung["headers"]["webhook-id"] == retried["headers"]["webhook-id"] == event.public_id
    assert hung["body"] == retried["body"]  # the same event, byte for byte (its payload is stored)
    assert f"webhook {event.public_id} attempt 2: 200 {EventStatus.DELIVERED.value}" in second.output()
    # The killed attempt recorded nothing; the new worker's attempt is the event's one delivery.
    assert list(WebhookDelivery.objects.values_list("attempt", "status_code")) == [(2, 200)]
    assert receiver.count() == 2
    assert event.payload["data"]["lead"]["id"] == lead.public_id
