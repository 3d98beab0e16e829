"""Celery tasks for leads: the reps' assignment alerts.

The assignment row is the outbox: routing never talks to the broker, so a broker outage cannot slow or
fail a lead, and beat's sweep (every ALERT_SWEEP_INTERVAL_SECONDS) sends what is unsent.
"""

import logging
import time
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.utils import timezone

from .models import Assignment

log = logging.getLogger("routeswit.tasks")
SWEEP_BATCH = 200
SWEEP_BUDGET_SECONDS = 20


def assignment_notify_send(*, assignment_pk: int, connection=None) -> bool:
    """Claim the alert with a conditional update so two workers never both send it; then send."""
    claimed = Assignment.objects.filter(pk=assignment_pk, notified_at__isnull=True, rep__isnull=False).update(
        notified_at=timezone.now()
    )
    if not claimed:
        return False
    assignment = Assignment.objects.select_related("rep", "lead").get(pk=assignment_pk)
    try:
        send_mail(
            subject=f"New lead assigned: {assignment.lead.lead_id}",
            message=_body(assignment),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[assignment.rep.email],
            connection=connection,
        )
    except Exception:
        # Unclaim so the sweep tries again later; nothing is lost.
        Assignment.objects.filter(pk=assignment_pk).update(notified_at=None)
        log.exception("assignment alert %s failed", assignment_pk)
        return False
    log.info("assignment alert sent for lead %s to %s", assignment.lead.public_id, assignment.rep.public_id)
    return True


def _body(assignment: Assignment) -> str:
    lead = assignment.lead
    lines = [
        f"Hello {assignment.rep.name},",
        "",
        f"Lead {lead.lead_id} ({lead.public_id}) was assigned to you"
        + (f" by rule {assignment.rule_name!r}." if assignment.rule_name else " as the fallback."),
    ]
    if assignment.instructions:
        lines.append(f"Instructions: {assignment.instructions}")
    lines += ["", "Attributes:"] + [f"  {k}: {v}" for k, v in sorted(lead.attributes.items())]
    return "\n".join(lines)


@shared_task(ignore_result=True)
def assignment_notifications_sweep() -> int:
    """Send unsent alerts in batches over one mail connection, within a time budget; alerts older than a
    day are dropped. Claims are conditional, so overlapping sweeps never send one alert twice."""
    since = timezone.now() - timedelta(days=1)
    deadline = time.monotonic() + SWEEP_BUDGET_SECONDS
    sent = 0
    with get_connection() as connection:
        while time.monotonic() < deadline:
            pending = Assignment.objects.filter(
                notified_at__isnull=True, rep__isnull=False, assigned_at__gte=since
            )
            batch = list(pending.order_by("assigned_at").values_list("pk", flat=True)[:SWEEP_BATCH])
            sent += sum(assignment_notify_send(assignment_pk=pk, connection=connection) for pk in batch)
            if len(batch) < SWEEP_BATCH:
                break
    return sent
