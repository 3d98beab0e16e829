"""End to end: a real Celery worker with beat detects SLA breaches and delivers signed webhooks to a real
local receiver, retries with the same webhook-id, and loses nothing while the broker is down."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from intelligence.models import EventStatus, WebhookDelivery, WebhookEvent
from leads.models import Lead, LeadStatus
from reps.services import rep_create
from routeswit.ids import new_public_id
from routing.models import Ruleset, RulesetVersion
from tests.e2e.sla_processes import Worker, running_redis, sla_check_once, wait_for, worker_env
from tests.intelligence.receiver import Receiver

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def redis():
    with running_redis() as server:
        yield server


@pytest.fixture
def env(transactional_db, redis):
    return worker_env(database_name=connection.settings_dict["NAME"], redis_url=redis.url)


@pytest.fixture
def worker(env, tmp_path):
    """Started and ready; stopped before the test database is flushed."""
    process = Worker(env=env, workdir=tmp_path)
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


@pytest.fixture
def receiver():
    made = []

    def start(answers=None) -> Receiver:
        made.append(Receiver(answers))
        return made[-1]

    yield start
    for server in made:
        server.close()


@pytest.fixture
def sla_for(api):
    """Create an SLA through the API (loopback URLs allowed, as in the worker's settings)."""

    def create(url: str, **fields) -> dict:
        body = {"name": "Respond in 1", "threshold_minutes": 1, "webhook_url": url, **fields}
        with override_settings(WEBHOOK_ALLOW_PRIVATE_NETWORKS=True):
            status, sla, _ = api.post("slas", body)
        assert status == 201, sla
        return sla

    return create


@pytest.fixture
def overdue_lead(org_a):
    """An ASSIGNED lead with no response, assigned 5 minutes ago: past a 1-minute SLA."""

    def make() -> Lead:
        rep = rep_create(org=org_a, data={"name": "Alex", "email": f"{new_public_id('x')}@a.example"})
        ruleset = Ruleset.objects.create(
            org=org_a, public_id=new_public_id("rs"), slug=new_public_id("s").lower()
        )
        version = RulesetVersion.objects.create(ruleset=ruleset, number=1, name="Inbound")
        return Lead.objects.create(
            org=org_a,
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

    return make


def diagnose(worker: Worker) -> str:
    return "worker log tail:\n" + worker.output()[-4000:]


def test_breach_arrives_signed_and_verifiable(worker, receiver, sla_for, overdue_lead):
    listener = receiver()
    sla = sla_for(listener.url)
    lead = overdue_lead()
    wait_for(lambda: listener.requests, what=f"the webhook\n{diagnose(worker)}")
    request = listener.requests[0]
    payload = Webhook(sla["signing_secret"]).verify(request["body"], request["headers"])
    assert payload["type"] == "sla.breached"
    assert (payload["data"]["sla"]["id"], payload["data"]["lead"]["id"]) == (sla["id"], lead.public_id)
    assert payload["data"]["threshold_seconds"] == 60 and payload["data"]["elapsed_seconds"] >= 300
    assert request["headers"]["webhook-id"] == payload["id"] == WebhookEvent.objects.get().public_id


def test_failed_delivery_is_retried_with_the_same_webhook_id(worker, receiver, sla_for, overdue_lead):
    listener = receiver([(500, {}, b"try later"), (200, {}, b"ok")])
    sla_for(listener.url)
    overdue_lead()
    wait_for(lambda: len(listener.requests) >= 2, what=f"the retry\n{diagnose(worker)}")
    ids = [r["headers"]["webhook-id"] for r in listener.requests[:2]]
    assert ids[0] == ids[1]
    event = wait_for(
        lambda: WebhookEvent.objects.filter(status=EventStatus.DELIVERED).first(), what="delivered"
    )
    assert event.public_id == ids[0]
    assert list(WebhookDelivery.objects.order_by("attempt").values_list("attempt", "status_code")) == [
        (1, 500),
        (2, 200),
    ]


def test_breach_during_a_broker_outage_is_delivered_after_it(
    worker, redis, env, receiver, sla_for, overdue_lead
):
    listener = receiver()
    sla_for(listener.url)
    redis.stop()
    try:
        lead = overdue_lead()
        # The breach is recorded while the broker is down (a check run by a process whose Redis is gone):
        # its event row is committed with it, and the fast-path enqueue fails.
        checked = sla_check_once(env=env)
        assert checked.returncode == 0, checked.stderr[-3000:]
        assert "Recorded 1 new breach" in checked.stdout
        assert "could not enqueue webhook event" in checked.stderr
        event = WebhookEvent.objects.get()
        assert (event.status, listener.requests) == (EventStatus.PENDING, [])
    finally:
        redis.start()
    wait_for(lambda: listener.requests, what=f"the webhook after the outage\n{diagnose(worker)}")
    body = json.loads(listener.requests[0]["body"])
    assert listener.requests[0]["headers"]["webhook-id"] == event.public_id
    assert body["data"]["lead"]["id"] == lead.public_id
    wait_for(lambda: WebhookEvent.objects.get().status == EventStatus.DELIVERED, what="delivered")
