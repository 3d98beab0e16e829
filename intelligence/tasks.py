"""Celery tasks for SLA monitors: the periodic breach check, and webhook delivery (fast path and poll).

Thin: they take ids and call the services. Retries are scheduled in the database (next_attempt_at), never
with Celery countdowns, so a broker outage delays deliveries but loses none.
"""

import time

from celery import shared_task
from django.utils import timezone

from . import rollups, services

POLL_BUDGET_SECONDS = 20.0


@shared_task(acks_late=True, ignore_result=True, expires=120)
def sla_breaches_check() -> int:
    return services.sla_breaches_check()


@shared_task(acks_late=True, ignore_result=True)
def webhook_event_deliver(event_pk: int) -> None:
    """One attempt of one event (enqueued after the breach commits); a no-op if not due or already held."""
    services.webhook_event_deliver(event_pk=event_pk)


@shared_task(acks_late=True, ignore_result=True, expires=120)
def webhook_events_deliver_due() -> int:
    """The poll: every due event (first attempts whose enqueue was lost, and retries), for a bounded time."""
    started = time.monotonic()
    sent = 0
    for pk in services.webhook_events_due(now=timezone.now()):
        if time.monotonic() - started > POLL_BUDGET_SECONDS:
            break
        sent += services.webhook_event_deliver(event_pk=pk) is not None
    return sent


@shared_task(acks_late=True, ignore_result=True, expires=600)
def analytics_rollups_build() -> int:
    """Roll up the ended days that are new or changed (a no-op on SQLite)."""
    return rollups.rollups_build()
