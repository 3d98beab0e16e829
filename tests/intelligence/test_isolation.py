"""A key of organization B gets 404 on every SLA endpoint with organization A's ids, and changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from intelligence import services
from intelligence.models import EventStatus, SlaPolicy, WebhookDelivery, WebhookEvent
from tests.conftest import assert_error


@pytest.fixture
def a_ids(sla, make_lead, rep):
    """An SLA of org A with a breach, its event and one failed delivery (written directly, nothing sent)."""
    policy = SlaPolicy.objects.get(public_id=sla["id"])
    make_lead(rep=rep, assigned_at=timezone.now() - timedelta(hours=1))
    services.sla_breaches_record(policy=policy)
    event = WebhookEvent.objects.get()
    WebhookEvent.objects.filter(pk=event.pk).update(status=EventStatus.FAILED, attempts=1)
    delivery = WebhookDelivery.objects.create(
        public_id="dlv_a_only", event=event, attempt=1, url=policy.webhook_url, requested_at=timezone.now()
    )
    return {"sla": sla["id"], "delivery": delivery.public_id}


SWEEP = [
    ("get", "slas/{sla}", None),
    ("patch", "slas/{sla}", {"name": "Taken over"}),
    ("delete", "slas/{sla}", None),
    ("get", "slas/{sla}/breaches", None),
    ("get", "slas/{sla}/deliveries", None),
    ("post", "slas/{sla}/deliveries/{delivery}/retry", None),
]


@pytest.mark.parametrize(("method", "path", "body"), SWEEP, ids=[f"{m} {p}" for m, p, _ in SWEEP])
def test_other_orgs_sla_id_is_404(api_b, a_ids, method, path, body):
    kwargs = {} if body is None else {"body": body}
    assert_error(getattr(api_b, method)(path.format(**a_ids), **kwargs), 404, "NOT_FOUND")


def test_b_creates_an_sla_and_retries_with_a_delivery_id_of_a(api_b, a_ids):
    b_sla = api_b.post(
        "slas", {"name": "B", "threshold_minutes": 1, "webhook_url": "https://93.184.215.14/b"}
    )
    path = f"slas/{b_sla[1]['id']}/deliveries/{a_ids['delivery']}/retry"
    assert_error(api_b.post(path), 404, "NOT_FOUND")


def test_other_orgs_calls_change_nothing(api, api_b, a_ids):
    for method, path, body in SWEEP:
        getattr(api_b, method)(path.format(**a_ids), **({} if body is None else {"body": body}))
    sla = api.get(f"slas/{a_ids['sla']}")[1]
    assert sla["name"] == "Respond in 5"
    assert WebhookEvent.objects.get().status == EventStatus.FAILED


def test_list_shows_only_own_org(api_b, a_ids):
    assert api_b.get("slas")[1] == []
