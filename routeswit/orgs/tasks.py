"""Periodic housekeeping of the API plumbing: expired Idempotency-Keys."""

from celery import shared_task

from routeswit.api import idempotency


@shared_task
def idempotency_keys_purge() -> int:
    return idempotency.idempotency_keys_purge()
