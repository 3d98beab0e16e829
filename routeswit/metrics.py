"""Prometheus metrics: what the app counts, the outbox gauges computed at scrape time, and GET /metrics.

/metrics needs `Authorization: Bearer <METRICS_TOKEN>`; with no token configured it is 404 (unless DEBUG).
With PROMETHEUS_MULTIPROC_DIR set (gunicorn with several workers, or the web and the Celery worker on one
machine sharing the directory), every process writes its samples there and a scrape aggregates them.
"""

import hmac
import logging
import os

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger("routeswit.metrics")

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
ROUTING_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUEST_LATENCY = Histogram(
    "routeswit_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route (URL pattern name) and status.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
LEADS_ROUTED = Counter(
    "routeswit_leads_routed_total", "Routing decisions committed (new leads and re-routes).", ["outcome"]
)
ROUTING_TIME = Histogram(
    "routeswit_routing_duration_seconds",
    "Time to decide and take a turn (a lead's routing_ms).",
    [],
    buckets=ROUTING_BUCKETS,
)
WEBHOOK_DELIVERIES = Counter(
    "routeswit_webhook_deliveries_total",
    "Webhook delivery attempts by outcome: delivered, pending (a retry is scheduled), failed (given up).",
    ["outcome"],
)
SLA_BREACHES = Counter("routeswit_sla_breaches_total", "SLA breaches recorded.")


# --- hooks (one line at each place that knows the fact) -------------------------------------------------


def request_observe(request, response, seconds: float) -> None:
    match = getattr(request, "resolver_match", None)
    route = match.view_name if match is not None and match.url_name else "unmatched"
    method = request.method if request.method in KNOWN_METHODS else "OTHER"
    REQUEST_LATENCY.labels(method, route, str(response.status_code)).observe(seconds)


def lead_routed(*, outcome: str, routing_ms: float | None) -> None:
    LEADS_ROUTED.labels(outcome).inc()
    if routing_ms is not None:
        ROUTING_TIME.observe(routing_ms / 1000)


def webhook_delivery_observe(outcome: str) -> None:
    WEBHOOK_DELIVERIES.labels(str(outcome)).inc()


def sla_breaches_observe(count: int) -> None:
    if count:
        SLA_BREACHES.inc(count)


# --- the outbox, read at scrape time --------------------------------------------------------------------


class OutboxCollector:
    """Pending webhook events: how many, and the age of the oldest (the queue's lag)."""

    def describe(self):
        # Describing without samples keeps registration from querying the database at import time.
        return self._families()

    def _families(self):
        return (
            GaugeMetricFamily(
                "routeswit_webhook_outbox_pending", "Webhook events not yet delivered or failed."
            ),
            GaugeMetricFamily(
                "routeswit_webhook_outbox_oldest_pending_age_seconds",
                "Age of the oldest pending webhook event (0 when none is pending).",
            ),
        )

    def collect(self):
        from django.db import DatabaseError
        from django.db.models import Count, Min

        from intelligence.models import EventStatus, WebhookEvent

        try:
            row = WebhookEvent.objects.filter(status=EventStatus.PENDING).aggregate(
                count=Count("pk"), oldest=Min("created_at")
            )
        except DatabaseError as exc:
            log.warning("outbox metrics unavailable: %s", exc.__class__.__name__)
            return
        pending, age = self._families()
        pending.add_metric([], row["count"])
        oldest = row["oldest"]
        age.add_metric([], max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0)
        yield pending
        yield age


_OUTBOX = OutboxCollector()
REGISTRY.register(_OUTBOX)


def scrape_registry():
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(_OUTBOX)
    return registry


# --- GET /metrics ---------------------------------------------------------------------------------------


def _authorized(request) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return settings.DEBUG
    sent = request.headers.get("Authorization", "")
    return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())


@require_GET
def metrics_view(request):
    if not settings.METRICS_TOKEN and not settings.DEBUG:
        return HttpResponse("Not found.\n", status=404, content_type="text/plain")
    if not _authorized(request):
        response = HttpResponse("A valid metrics token is required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)
