"""Prometheus metrics at /metrics: guarded by METRICS_TOKEN, request latency by route, routing outcomes and
times, webhook deliveries, SLA breaches, and the outbox lag read from the database at scrape time."""

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client import REGISTRY

from intelligence import services as sla_services
from intelligence import webhooks
from intelligence.models import WebhookEvent
from leads.models import Lead

TOKEN = "metrics-token-0123456789"


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def scrape(settings):
    settings.METRICS_TOKEN = TOKEN

    def get():
        response = Client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200
        return response.content.decode()

    return get


@pytest.fixture
def routed_lead(make_rep, save_rules, route):
    make_rep("rep_a")
    save_rules("inbound", [{"condition": "attributes.country == 'UK'", "target_id": "rep_a"}])
    return route("inbound", {"country": "UK"})


def test_metrics_is_404_without_a_token_outside_debug(settings, db):
    settings.METRICS_TOKEN, settings.DEBUG = "", False
    assert Client().get("/metrics").status_code == 404


def test_metrics_refuses_a_wrong_token(settings, db):
    settings.METRICS_TOKEN = TOKEN
    response = Client().get("/metrics", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")


def test_metrics_with_the_token_is_prometheus_text(settings, db):
    settings.METRICS_TOKEN = TOKEN
    response = Client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert "routeswit_http_request_duration_seconds" in response.content.decode()


def test_request_latency_is_labelled_by_route_name_not_path(api):
    labels = {"method": "GET", "route": "rep-detail", "status": "404"}
    before = sample("routeswit_http_request_duration_seconds_count", **labels)
    api.get("reps/rep_one")
    api.get("reps/rep_two")
    assert sample("routeswit_http_request_duration_seconds_count", **labels) == before + 2


def test_routed_leads_are_counted_by_outcome(api, make_rep, save_rules, django_capture_on_commit_callbacks):
    make_rep("rep_a")
    save_rules("inbound", [{"condition": "attributes.country == 'UK'", "target_id": "rep_a"}])
    before = {o: sample("routeswit_leads_routed_total", outcome=o) for o in ("RULE_MATCH", "UNASSIGNED")}
    with django_capture_on_commit_callbacks(execute=True):
        api.post("leads", {"lead_id": "M-1", "ruleset_id": "inbound", "attributes": {"country": "UK"}})
        api.post("leads", {"lead_id": "M-2", "ruleset_id": "inbound", "attributes": {"country": "FR"}})
    assert sample("routeswit_leads_routed_total", outcome="RULE_MATCH") == before["RULE_MATCH"] + 1
    assert sample("routeswit_leads_routed_total", outcome="UNASSIGNED") == before["UNASSIGNED"] + 1


def test_routing_time_is_observed_from_the_leads_routing_ms(
    api, make_rep, save_rules, django_capture_on_commit_callbacks
):
    make_rep("rep_a")
    save_rules("inbound", [{"target_id": "rep_a"}])
    count, total = (
        sample("routeswit_routing_duration_seconds_count"),
        sample("routeswit_routing_duration_seconds_sum"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        api.post("leads", {"lead_id": "T-1", "ruleset_id": "inbound", "attributes": {}})
    routing_ms = Lead.objects.get(lead_id="T-1").routing_ms
    assert sample("routeswit_routing_duration_seconds_count") == count + 1
    assert sample("routeswit_routing_duration_seconds_sum") - total == pytest.approx(routing_ms / 1000)


def _overdue_policy(org):
    Lead.objects.update(assigned_at=timezone.now() - timedelta(hours=1))
    data = {"name": "Fast", "threshold_minutes": 5, "webhook_url": "https://93.184.215.14/hooks/sla"}
    return sla_services.sla_policy_create(org=org, data=data)[0]


def test_sla_breaches_are_counted(org_a, routed_lead):
    before = sample("routeswit_sla_breaches_total")
    sla_services.sla_breaches_record(policy=_overdue_policy(org_a))
    assert sample("routeswit_sla_breaches_total") == before + 1


def test_webhook_deliveries_are_counted_by_outcome(org_a, routed_lead):
    sla_services.sla_breaches_record(policy=_overdue_policy(org_a))
    before = sample("routeswit_webhook_deliveries_total", outcome="delivered")
    with mock.patch("intelligence.webhooks.post", return_value=webhooks.Outcome(status_code=204)):
        sla_services.webhook_event_deliver(event_pk=WebhookEvent.objects.get().pk)
    assert sample("routeswit_webhook_deliveries_total", outcome="delivered") == before + 1


def test_outbox_gauges_show_pending_events_and_the_oldest_age(org_a, routed_lead, scrape):
    sla_services.sla_breaches_record(policy=_overdue_policy(org_a))
    WebhookEvent.objects.update(created_at=timezone.now() - timedelta(seconds=120))
    lines = dict(
        line.rsplit(" ", 1) for line in scrape().splitlines() if line.startswith("routeswit_webhook_outbox")
    )
    assert float(lines["routeswit_webhook_outbox_pending"]) == 1
    assert 120 <= float(lines["routeswit_webhook_outbox_oldest_pending_age_seconds"]) < 180
