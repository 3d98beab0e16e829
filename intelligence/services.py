"""Writes for SLA monitors: policies, breach detection and recording, the on-breach action, and the
webhook outbox (claiming, delivering, retrying). The API, the admin and the Celery tasks all call these."""

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from leads.models import Lead, LeadStatus
from routeswit import metrics
from routeswit.api.errors import ApiError, ConflictError, ValidationFailed
from routeswit.ids import new_public_id
from routeswit.orgs.models import Organization
from routing.selectors import ruleset_get

from . import ssrf, webhooks
from .business_hours import business_seconds
from .models import EventStatus, OnBreach, SlaBreach, SlaPolicy, WebhookDelivery, WebhookEvent

log = logging.getLogger("routeswit.sla")

EVENT_SLA_BREACHED = "sla.breached"
# After attempt n fails, attempt n+1 is due this many seconds later; after the last, the event has failed.
DEFAULT_RETRY_DELAYS = (30.0, 120.0, 600.0, 3600.0, 21600.0)
MAX_RETRY_AFTER_SECONDS = 24 * 3600.0
# Longer than any attempt can take (10 s timeout): a claimed event is not claimed again before this, and a
# worker killed mid-attempt holds it no longer than this (settings.WEBHOOK_CLAIM_LEASE_SECONDS).
CLAIM_LEASE = timedelta(seconds=60)
CLAIM_LEASE_MIN = timedelta(seconds=webhooks.TIMEOUT_SECONDS + 5)
BREACH_BATCH = 500
POLICY_FIELDS = ("name", "threshold_minutes", "webhook_url", "is_active", "on_breach", "business_hours")


def claim_lease() -> timedelta:
    """Configurable so the end-to-end test sees a dead worker's claim lapse in seconds; never shorter than an
    attempt can take, or a slow but live attempt would be sent twice."""
    seconds = getattr(settings, "WEBHOOK_CLAIM_LEASE_SECONDS", None)
    return max(timedelta(seconds=seconds), CLAIM_LEASE_MIN) if seconds else CLAIM_LEASE


def retry_delays() -> tuple[float, ...]:
    """Configurable (settings.WEBHOOK_RETRY_DELAYS) so the end-to-end test can retry after a second."""
    return tuple(getattr(settings, "WEBHOOK_RETRY_DELAYS", None) or DEFAULT_RETRY_DELAYS)


# --- policies -------------------------------------------------------------------------------------------


def sla_policy_create(*, org: Organization, data: dict) -> tuple[SlaPolicy, str]:
    """Returns the policy and its signing secret (shown to the client this once)."""
    policy = SlaPolicy(org=org, public_id=new_public_id("sla"), signing_secret=webhooks.secret_new())
    _apply(policy, data)
    policy.save()
    return policy, policy.signing_secret


def sla_policy_update(*, policy: SlaPolicy, data: dict) -> SlaPolicy:
    """Saving webhook_url again (same or new) re-enables an endpoint that answered 410 Gone."""
    _apply(policy, data)
    if "webhook_url" in data:
        policy.webhook_disabled_at = None
    policy.save()
    return policy


def sla_policy_delete(*, policy: SlaPolicy) -> None:
    """Breaches and deliveries are kept for history (and analytics); the policy stops checking and sending."""
    policy.is_active = False
    policy.deleted_at = timezone.now()
    policy.save(update_fields=["is_active", "deleted_at", "updated_at"])


def _apply(policy: SlaPolicy, data: dict) -> None:
    if "threshold_minutes" in data:
        data = {**data, "threshold_minutes": threshold_minutes_clean(data["threshold_minutes"])}
    if "webhook_url" in data:
        webhook_url_clean(data["webhook_url"])
    for field in POLICY_FIELDS:
        if field in data:
            setattr(policy, field, data[field])
    if "ruleset_id" in data:
        policy.ruleset = _ruleset(org=policy.org, ref=data["ruleset_id"])


def threshold_minutes_clean(value) -> Decimal:
    try:
        minutes = Decimal(str(value)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    except ArithmeticError:
        raise ValidationFailed({"threshold_minutes": ["Must be a number."]}) from None
    if not minutes.is_finite() or minutes <= 0 or minutes >= Decimal("1e8"):
        raise ValidationFailed(
            {"threshold_minutes": ["Must be a number of minutes above 0 (0.5 is allowed)."]}
        )
    return minutes


def webhook_url_clean(url: str) -> None:
    try:
        ssrf.url_check(url)
    except ssrf.UnsafeUrl as exc:
        raise ValidationFailed({"webhook_url": [str(exc)]}) from None


def _ruleset(*, org: Organization, ref: str | None):
    if ref in (None, ""):
        return None
    try:
        return ruleset_get(org=org, ref=ref)
    except ApiError:
        raise ValidationFailed({"ruleset_id": [f"No ruleset {ref!r} in this organization."]}) from None


# --- breaches -------------------------------------------------------------------------------------------


@dataclass
class Overdue:
    lead: Lead
    elapsed_seconds: float


def sla_breaches_find(*, policy: SlaPolicy, now: datetime, limit: int = BREACH_BATCH) -> list[Overdue]:
    """Leads of the policy's scope waiting for a first response past the threshold and not yet recorded.

    One query selects them by wall-clock time since `assigned_at` (the current assignment). A business-hours
    policy then keeps those whose rep's working time since assignment is past the threshold: working time
    never exceeds wall time, so the query's candidates are all that can be in breach.
    """
    threshold = policy.threshold_seconds
    leads = (
        Lead.objects.filter(
            org_id=policy.org_id,
            status=LeadStatus.ASSIGNED,
            rep__isnull=False,
            first_response_at__isnull=True,
            assigned_at__lte=now - timedelta(seconds=threshold),
        )
        .filter(~Exists(SlaBreach.objects.filter(policy=policy, lead=OuterRef("pk"))))
        .select_related("rep", "ruleset")
        .order_by("assigned_at", "pk")
    )
    if policy.ruleset_id is not None:
        leads = leads.filter(ruleset_id=policy.ruleset_id)
    if not policy.business_hours:
        return [Overdue(lead, (now - lead.assigned_at).total_seconds()) for lead in leads[:limit]]
    found = []
    for lead in leads.iterator(chunk_size=1000):
        elapsed = business_seconds(
            working_hours=lead.rep.working_hours, tz_name=lead.rep.timezone, start=lead.assigned_at, end=now
        )
        if elapsed >= threshold:
            found.append(Overdue(lead, elapsed))
            if len(found) >= limit:
                break
    return found


def sla_breaches_record(*, policy: SlaPolicy, now: datetime | None = None) -> list[SlaBreach]:
    """Record the policy's new breaches, each with its `sla.breached` event, in one transaction.

    INSERT … ON CONFLICT DO NOTHING under the (policy, lead) constraint: of two checkers that find the same
    lead, the second waits for the first to commit and inserts nothing. Each checker then re-reads the rows
    by the ids it generated, so it writes events only for the breaches it really inserted.
    """
    now = now or timezone.now()
    overdue = sla_breaches_find(policy=policy, now=now)
    if not overdue:
        return []
    by_lead = {item.lead.pk: item for item in overdue}
    rows = [_breach_row(policy, item, now) for item in overdue]
    with transaction.atomic():
        SlaBreach.objects.bulk_create(rows, ignore_conflicts=True)
        mine = list(SlaBreach.objects.filter(public_id__in=[row.public_id for row in rows]).order_by("pk"))
        events = WebhookEvent.objects.bulk_create(
            [_event_row(policy, breach, by_lead[breach.lead_id], now) for breach in mine]
        )
        event_pks = [event.pk for event in events]
        transaction.on_commit(lambda: webhook_events_enqueue(event_pks=event_pks))
    for breach in mine:
        log.info("SLA %s breached by lead %s", policy.public_id, by_lead[breach.lead_id].lead.public_id)
    metrics.sla_breaches_observe(len(mine))
    return mine


def _breach_row(policy: SlaPolicy, item: Overdue, now: datetime) -> SlaBreach:
    needs_action = policy.on_breach == OnBreach.REROUTE
    return SlaBreach(
        public_id=new_public_id("brc"),
        policy=policy,
        lead=item.lead,
        rep_id=item.lead.rep_id,
        detected_at=now,
        elapsed_seconds=item.elapsed_seconds,
        threshold_seconds=policy.threshold_seconds,
        action_at=None if needs_action else now,
        action_result="" if needs_action else "notified",
    )


def _event_row(policy: SlaPolicy, breach: SlaBreach, item: Overdue, now: datetime) -> WebhookEvent:
    event_id = new_public_id("evt")
    return WebhookEvent(
        public_id=event_id,
        org_id=policy.org_id,
        policy=policy,
        breach=breach,
        type=EVENT_SLA_BREACHED,
        payload=breach_payload(event_id=event_id, policy=policy, breach=breach, lead=item.lead, now=now),
        created_at=now,
        next_attempt_at=now,
    )


def breach_payload(*, event_id: str, policy: SlaPolicy, breach: SlaBreach, lead: Lead, now: datetime) -> dict:
    rep = lead.rep
    return {
        "id": event_id,
        "type": EVENT_SLA_BREACHED,
        "created_at": _iso(now),
        "data": {
            "sla": {
                "id": policy.public_id,
                "name": policy.name,
                "threshold_minutes": float(policy.threshold_minutes),
                "ruleset_id": policy.ruleset.slug if policy.ruleset_id else None,
                "on_breach": policy.on_breach,
                "business_hours": policy.business_hours,
            },
            "breach_id": breach.public_id,
            "lead": {
                "id": lead.public_id,
                "lead_id": lead.lead_id,
                "ruleset_id": lead.ruleset.slug,
                "status": lead.status,
                "attributes": lead.attributes,
                "assigned_at": _iso(lead.assigned_at),
                "created_at": _iso(lead.created_at),
            },
            "rep": {"id": rep.public_id, "name": rep.name, "email": rep.email},
            "threshold_seconds": _number(breach.threshold_seconds),
            "elapsed_seconds": _number(breach.elapsed_seconds),
        },
    }


def _number(seconds: float) -> int | float:
    """Whole seconds as an integer (312), fractions kept to the millisecond (0.6 for a 0.01-minute SLA)."""
    rounded = round(seconds, 3)
    return int(rounded) if rounded >= 1 else rounded


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sla_breach_act(*, breach: SlaBreach) -> str | None:
    """Run a breach's on_breach action once (claimed by setting action_at). Returns what was done."""
    now = timezone.now()
    with transaction.atomic():
        if not SlaBreach.objects.filter(pk=breach.pk, action_at__isnull=True).update(action_at=now):
            return None
        breach = SlaBreach.objects.select_related("policy", "lead").get(pk=breach.pk)
        result = _reroute(breach)
        SlaBreach.objects.filter(pk=breach.pk).update(action_result=result[:200])
    log.info("SLA breach %s: %s", breach.public_id, result)
    return result


def _reroute(breach: SlaBreach) -> str:
    from leads.services import lead_reroute

    lead, policy = breach.lead, breach.policy
    if policy.on_breach != OnBreach.REROUTE:
        return "skipped: the policy no longer re-routes"
    if lead.status != LeadStatus.ASSIGNED or lead.rep_id != breach.rep_id or lead.first_response_at:
        return "skipped: the lead is no longer waiting on the breached rep"
    try:
        with transaction.atomic():
            lead = lead_reroute(lead=lead, reason=f"SLA breach: {policy.name}")
    except ConflictError as exc:
        return f"skipped: {exc.message}"
    rep = lead.rep.public_id if lead.rep_id else "nobody (UNASSIGNED)"
    return f"rerouted to {rep}"


def sla_breaches_check(*, now: datetime | None = None) -> int:
    """The periodic check: record new breaches of every active policy, then run pending re-routes."""
    now = now or timezone.now()
    recorded = 0
    policies = SlaPolicy.objects.filter(is_active=True, deleted_at__isnull=True).select_related("ruleset")
    for policy in policies.order_by("pk"):
        recorded += len(sla_breaches_record(policy=policy, now=now))
    pending = SlaBreach.objects.filter(action_at__isnull=True).order_by("pk")[:BREACH_BATCH]
    for breach in pending:
        try:
            sla_breach_act(breach=breach)
        except Exception:  # noqa: BLE001 - one failed re-route must not stop the others; tried again later
            log.exception("SLA breach %s: re-route failed", breach.public_id)
    return recorded


# --- webhook outbox -------------------------------------------------------------------------------------


def webhook_events_enqueue(*, event_pks: list[int]) -> None:
    """The fast path after commit. Best effort: with the broker down, the periodic poll delivers instead."""
    from .tasks import webhook_event_deliver

    for pk in event_pks:
        try:
            webhook_event_deliver.apply_async(args=[pk], retry=False)
        except Exception as exc:  # noqa: BLE001 - a broker outage must not fail the check; rows are kept
            log.warning("could not enqueue webhook event %s (%s); the poll will send it", pk, exc)
            return


def webhook_events_due(*, now: datetime, limit: int = 100) -> list[int]:
    due = WebhookEvent.objects.filter(status=EventStatus.PENDING, next_attempt_at__lte=now).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    )
    return list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])


def webhook_event_claim(*, event_pk: int, now: datetime) -> WebhookEvent | None:
    """Claim the next attempt with a conditional UPDATE: of two workers, one gets the row, the other none."""
    claimed = (
        WebhookEvent.objects.filter(pk=event_pk, status=EventStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(attempts=F("attempts") + 1, locked_until=now + claim_lease())
    )
    if not claimed:
        return None
    return WebhookEvent.objects.select_related("policy").get(pk=event_pk)


def webhook_event_deliver(*, event_pk: int) -> WebhookDelivery | None:
    """One attempt of a due event; None when it was not due or another worker holds it."""
    now = timezone.now()
    event = webhook_event_claim(event_pk=event_pk, now=now)
    if event is None:
        return None
    policy = event.policy
    blocked = _blocked(policy)
    if blocked:
        outcome = webhooks.Outcome(error=blocked)
    else:
        body = json.dumps(event.payload, separators=(",", ":")).encode()
        headers = webhooks.signed_headers(secret=policy.signing_secret, msg_id=event.public_id, body=body)
        outcome = webhooks.post(url=policy.webhook_url, body=body, headers=headers)
    return _attempt_record(event=event, requested_at=now, outcome=outcome, final=bool(blocked))


def _blocked(policy: SlaPolicy) -> str:
    if policy.deleted_at is not None:
        return "Not sent: the SLA was deleted."
    if policy.webhook_disabled_at is not None:
        return "Not sent: the endpoint answered 410 Gone earlier; save webhook_url again to re-enable it."
    return ""


def _attempt_record(
    *, event: WebhookEvent, requested_at: datetime, outcome: webhooks.Outcome, final: bool
) -> WebhookDelivery:
    finished = timezone.now()
    state = _next_state(attempt=event.attempts, outcome=outcome, finished=finished, final=final)
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            public_id=new_public_id("dlv"),
            event=event,
            attempt=event.attempts,
            url=event.policy.webhook_url,
            requested_at=requested_at,
            status_code=outcome.status_code,
            response_body=outcome.body,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
        )
        WebhookEvent.objects.filter(pk=event.pk, attempts=event.attempts).update(locked_until=None, **state)
        if outcome.status_code == 410:
            SlaPolicy.objects.filter(pk=event.policy_id).update(webhook_disabled_at=finished)
    log.info(
        "webhook %s attempt %s: %s %s",
        event.public_id,
        event.attempts,
        outcome.status_code or outcome.error,
        state["status"],
    )
    metrics.webhook_delivery_observe(state["status"])
    return delivery


def _next_state(*, attempt: int, outcome: webhooks.Outcome, finished: datetime, final: bool) -> dict:
    if outcome.ok:
        return {"status": EventStatus.DELIVERED, "delivered_at": finished, "next_attempt_at": None}
    delays = retry_delays()
    if final or outcome.status_code == 410 or attempt > len(delays):
        return {"status": EventStatus.FAILED, "next_attempt_at": None}
    delay = delays[attempt - 1]
    if outcome.retry_after_seconds is not None:
        delay = max(delay, min(outcome.retry_after_seconds, MAX_RETRY_AFTER_SECONDS))
    return {"status": EventStatus.PENDING, "next_attempt_at": finished + timedelta(seconds=delay)}


def webhook_event_retry(*, event: WebhookEvent) -> WebhookEvent:
    """Queue the event for one more attempt now (whatever its status); the same webhook-id is sent again.

    If that attempt fails, the automatic schedule continues from the attempts made so far: an event that
    had already used every retry is failed again."""
    now = timezone.now()
    changed = (
        WebhookEvent.objects.filter(pk=event.pk)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(status=EventStatus.PENDING, next_attempt_at=now, delivered_at=None)
    )
    if not changed:
        raise ConflictError("An attempt of this event is in progress; try again in a minute.")
    event.refresh_from_db()
    transaction.on_commit(lambda: webhook_events_enqueue(event_pks=[event.pk]))
    return event
