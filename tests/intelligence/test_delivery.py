"""Webhook delivery from the outbox to a real local receiver: signing, retries, 410, limits, claiming."""

import json
import socket
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from intelligence import services, webhooks
from intelligence.models import EventStatus, SlaPolicy, WebhookDelivery, WebhookEvent


@pytest.fixture(autouse=True)
def private_networks():
    with override_settings(WEBHOOK_ALLOW_PRIVATE_NETWORKS=True):
        yield


@pytest.fixture
def breach_to(make_policy, make_lead, rep):
    """Record one breach whose event goes to `url`; returns the pending event."""

    def make(url: str) -> WebhookEvent:
        policy = make_policy(webhook_url=url)
        make_lead(rep=rep, assigned_at=timezone.now() - timedelta(hours=1))
        services.sla_breaches_record(policy=policy)
        return WebhookEvent.objects.get(policy=policy)

    return make


def deliver(event: WebhookEvent) -> WebhookDelivery | None:
    return services.webhook_event_deliver(event_pk=event.pk)


def test_delivered_event_is_signed_per_standard_webhooks(breach_to, receiver):
    listener = receiver()
    event = breach_to(listener.url)
    deliver(event)
    request = listener.requests[0]
    secret = SlaPolicy.objects.get().signing_secret
    verified = Webhook(secret).verify(request["body"], request["headers"])
    assert verified["id"] == request["headers"]["webhook-id"] == event.public_id
    assert request["headers"]["Content-Type"] == "application/json"


def test_2xx_marks_the_event_delivered(breach_to, receiver):
    event = breach_to(receiver([(204, {}, b"")]).url)
    delivery = deliver(event)
    event.refresh_from_db()
    assert (event.status, event.attempts, delivery.status_code, delivery.attempt) == ("delivered", 1, 204, 1)
    assert event.delivered_at is not None and event.next_attempt_at is None


def test_non_2xx_is_retried_after_30_seconds(breach_to, receiver):
    event = breach_to(receiver([(500, {}, b"oops")]).url)
    delivery = deliver(event)
    event.refresh_from_db()
    assert (event.status, delivery.status_code, delivery.response_body) == ("pending", 500, "oops")
    wait = (event.next_attempt_at - delivery.requested_at).total_seconds()
    assert 30 <= wait < 32


def test_retries_follow_the_schedule_then_fail(breach_to, receiver):
    event = breach_to(receiver([(500, {}, b"")]).url)
    waits = []
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(6):
            delivery = deliver(event)
            assert delivery is not None
            event.refresh_from_db()
            if event.next_attempt_at:
                waits.append((event.next_attempt_at - timezone.now()).total_seconds())
                clock.move_to(event.next_attempt_at)
    assert waits == [30, 120, 600, 3600, 21600]
    assert (event.status, event.attempts, event.deliveries.count()) == ("failed", 6, 6)


def test_same_webhook_id_on_every_attempt(breach_to, receiver):
    listener = receiver([(500, {}, b""), (200, {}, b"")])
    event = breach_to(listener.url)
    deliver(event)
    WebhookEvent.objects.filter(pk=event.pk).update(next_attempt_at=timezone.now())
    deliver(event)
    ids = [r["headers"]["webhook-id"] for r in listener.requests]
    assert ids == [event.public_id, event.public_id]
    assert listener.bodies()[0] == listener.bodies()[1]


def test_retry_after_is_honoured(breach_to, receiver):
    event = breach_to(receiver([(503, {"Retry-After": "900"}, b"")]).url)
    delivery = deliver(event)
    event.refresh_from_db()
    assert 900 <= (event.next_attempt_at - delivery.requested_at).total_seconds() < 902


def test_410_gone_fails_the_event_and_disables_the_endpoint(breach_to, receiver):
    event = breach_to(receiver([(410, {}, b"gone")]).url)
    deliver(event)
    event.refresh_from_db()
    assert event.status == EventStatus.FAILED
    assert SlaPolicy.objects.get().webhook_disabled_at is not None


def test_disabled_endpoint_gets_no_more_requests(breach_to, receiver, make_lead, rep):
    listener = receiver([(410, {}, b"")])
    event = breach_to(listener.url)
    deliver(event)
    make_lead(rep=rep, assigned_at=timezone.now() - timedelta(hours=1))
    services.sla_breaches_check()
    second = WebhookEvent.objects.exclude(pk=event.pk).get()
    delivery = deliver(second)
    assert len(listener.requests) == 1 and "410" in delivery.error
    assert WebhookEvent.objects.get(pk=second.pk).status == EventStatus.FAILED


def test_saving_the_url_again_re_enables_the_endpoint(api, breach_to, receiver):
    listener = receiver([(410, {}, b"")])
    deliver(breach_to(listener.url))
    policy = SlaPolicy.objects.get()
    body = api.patch(f"slas/{policy.public_id}", {"webhook_url": listener.url})[1]
    assert body["webhook_disabled_at"] is None


def test_response_body_is_cut_at_64_kib(breach_to, receiver):
    event = breach_to(receiver([(500, {}, b"x" * 200_000)]).url)
    assert len(deliver(event).response_body) == 64 * 1024


def test_non_utf8_response_body_is_stored_escaped(breach_to, receiver):
    event = breach_to(receiver([(500, {}, b"bad \xff\x00 bytes")]).url)
    assert deliver(event).response_body == "bad \\xff\\x00 bytes"


def test_redirects_are_not_followed(breach_to, receiver):
    elsewhere = receiver()
    event = breach_to(receiver([(302, {"Location": elsewhere.url}, b"")]).url)
    delivery = deliver(event)
    event.refresh_from_db()
    assert (delivery.status_code, event.status, elsewhere.requests) == (302, "pending", [])


def test_unreachable_receiver_is_an_error_and_a_retry(breach_to):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    delivery = deliver(breach_to(f"http://127.0.0.1:{port}/hook"))
    assert delivery.status_code is None and "ConnectionRefused" in delivery.error


def test_silent_receiver_times_out():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        outcome = webhooks.post(url=url, body=b"{}", headers={}, timeout=0.3)
    assert outcome.status_code is None and outcome.error.startswith("Timed out")


def test_event_not_yet_due_is_not_sent(breach_to, receiver):
    listener = receiver()
    event = breach_to(listener.url)
    WebhookEvent.objects.filter(pk=event.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=1))
    assert deliver(event) is None and listener.requests == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_the_same_attempt(monkeypatch, breach_to, receiver):
    monkeypatch.setattr(services, "webhook_events_enqueue", lambda **kwargs: None)  # no broker in this test
    listener = receiver()
    event = breach_to(listener.url)
    start = threading.Barrier(4)

    def worker():
        try:
            start.wait(timeout=10)
            services.webhook_event_deliver(event_pk=event.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(listener.requests) == 1 and WebhookDelivery.objects.count() == 1


# --- the deliveries endpoints ----------------------------------------------------------------------------


def test_deliveries_endpoint_lists_attempts_newest_first(api, breach_to, receiver):
    event = breach_to(receiver([(500, {}, b"no"), (200, {}, b"ok")]).url)
    deliver(event)
    WebhookEvent.objects.filter(pk=event.pk).update(next_attempt_at=timezone.now())
    deliver(event)
    status, body, _ = api.get(f"slas/{event.policy.public_id}/deliveries")
    assert status == 200
    assert [(d["attempt"], d["status_code"], d["succeeded"]) for d in body] == [
        (2, 200, True),
        (1, 500, False),
    ]
    assert body[0]["event"]["id"] == event.public_id and body[0]["event"]["status"] == "delivered"


def test_retry_endpoint_requeues_a_failed_event_with_the_same_id(api, breach_to, receiver):
    listener = receiver([(500, {}, b""), (200, {}, b"")])
    event = breach_to(listener.url)
    delivery = deliver(event)
    WebhookEvent.objects.filter(pk=event.pk).update(status=EventStatus.FAILED, next_attempt_at=None)
    status, body, _ = api.post(f"slas/{event.policy.public_id}/deliveries/{delivery.public_id}/retry")
    assert status == 200 and (body["id"], body["status"]) == (event.public_id, "pending")
    deliver(event)
    assert [r["headers"]["webhook-id"] for r in listener.requests] == [event.public_id] * 2
    assert WebhookEvent.objects.get(pk=event.pk).status == EventStatus.DELIVERED


def test_retry_of_an_unknown_delivery_is_404(api, breach_to, receiver):
    event = breach_to(receiver().url)
    status, body, _ = api.post(f"slas/{event.policy.public_id}/deliveries/dlv_nope/retry")
    assert status == 404 and body["error"]["code"] == "NOT_FOUND"


def test_payload_sent_is_the_stored_event(breach_to, receiver):
    listener = receiver()
    event = breach_to(listener.url)
    deliver(event)
    assert listener.bodies() == [json.loads(json.dumps(event.payload))]
