"""The Celery app; every periodic schedule is declared here, in one place."""

import os

from celery import Celery

import routeswit.observability  # noqa: F401 - one JSON log line per task run (Celery signals)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "routeswit.settings.production")

app = Celery("routeswit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _schedule_periodic_tasks(sender, **kwargs):
    from django.conf import settings

    sender.conf.beat_schedule = {
        name: {"task": task, "schedule": seconds}
        for name, (task, seconds) in periodic_schedule(settings).items()
    }


def periodic_schedule(settings) -> dict[str, tuple[str, float]]:
    """name -> (task path, interval seconds). Later features add their rows here."""
    return {
        "idempotency-keys-purge": ("routeswit.orgs.tasks.idempotency_keys_purge", 3600.0),
        "assignment-notifications-sweep": (
            "leads.tasks.assignment_notifications_sweep",
            float(settings.ALERT_SWEEP_INTERVAL_SECONDS),
        ),
        "sla-breaches-check": (
            "intelligence.tasks.sla_breaches_check",
            float(settings.SLA_CHECK_INTERVAL_SECONDS),
        ),
        # Due webhook events: first attempts whose fast-path enqueue was lost, and scheduled retries.
        "webhook-events-deliver-due": (
            "intelligence.tasks.webhook_events_deliver_due",
            float(min(settings.SLA_CHECK_INTERVAL_SECONDS, 10)),
        ),
        "analytics-rollups-build": (
            "intelligence.tasks.analytics_rollups_build",
            float(settings.ANALYTICS_ROLLUP_INTERVAL_SECONDS),
        ),
    }
