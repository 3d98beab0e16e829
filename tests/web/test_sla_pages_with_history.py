"""SLA pages and the dashboard with real breach and delivery rows."""

from django.utils import timezone

from intelligence.models import EventStatus, SlaBreach, SlaPolicy, WebhookDelivery, WebhookEvent
from leads.models import Lead
from tests.intelligence.conftest import PUBLIC_URL


def _breach_with_failed_delivery(api, route, make_rep, save_rules):
    make_rep("rep_sla")
    save_rules("sla-rules", [{"target_id": "rep_sla"}])
    lead = Lead.objects.get(public_id=route("sla-rules", lead_id="WAITING")["id"])
    sla = api.post("slas", {"name": "5 minutes", "threshold_minutes": 5, "webhook_url": PUBLIC_URL})[1]
    policy = SlaPolicy.objects.get(public_id=sla["id"])
    now = timezone.now()
    breach = SlaBreach.objects.create(
        public_id="brc_page",
        policy=policy,
        lead=lead,
        rep=lead.rep,
        detected_at=now,
        elapsed_seconds=420,
        threshold_seconds=300,
    )
    event = WebhookEvent.objects.create(
        public_id="evt_page",
        org=lead.org,
        policy=policy,
        breach=breach,
        type="sla.breached",
        payload={},
        status=EventStatus.FAILED,
        attempts=6,
        created_at=now,
    )
    WebhookDelivery.objects.create(
        public_id="dlv_page",
        event=event,
        attempt=6,
        url=PUBLIC_URL,
        requested_at=now,
        status_code=500,
    )
    return policy, event


def test_sla_page_lists_breaches_and_deliveries_with_status(client_as, api, route, make_rep, save_rules):
    policy, _ = _breach_with_failed_delivery(api, route, make_rep, save_rules)
    html = client_as("manager").get(f"/slas/{policy.public_id}/").content.decode()
    assert "WAITING" in html and "HTTP 500" in html and "/deliveries/dlv_page/retry/" in html
    viewer_html = client_as("viewer").get(f"/slas/{policy.public_id}/").content.decode()
    assert "HTTP 500" in viewer_html and "/retry/" not in viewer_html


def test_manager_retries_a_failed_delivery_from_the_page(client_as, api, route, make_rep, save_rules):
    policy, event = _breach_with_failed_delivery(api, route, make_rep, save_rules)
    response = client_as("manager").post(f"/slas/{policy.public_id}/deliveries/dlv_page/retry/", follow=True)
    assert response.status_code == 200 and "queued for another attempt" in response.content.decode()
    event.refresh_from_db()
    assert event.status == EventStatus.PENDING and event.next_attempt_at is not None


def test_viewer_cannot_retry_a_delivery(client_as, api, route, make_rep, save_rules):
    policy, event = _breach_with_failed_delivery(api, route, make_rep, save_rules)
    assert client_as("viewer").post(f"/slas/{policy.public_id}/deliveries/dlv_page/retry/").status_code == 403
    event.refresh_from_db()
    assert event.status == EventStatus.FAILED


def test_dashboard_lists_open_breaches(client_as, api, route, make_rep, save_rules):
    _breach_with_failed_delivery(api, route, make_rep, save_rules)
    html = client_as("manager").get("/dashboard/").content.decode()
    assert "WAITING" in html and "5 minutes" in html
