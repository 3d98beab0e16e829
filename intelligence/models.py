from django.db import models

from leads.models import Lead
from routeswit.fields import EncryptedTextField
from routeswit.orgs.models import Organization


class OnBreach(models.TextChoices):
    NOTIFY = "notify"
    REROUTE = "reroute"


class SlaPolicy(models.Model):
    """A response-time promise: an assigned lead with no first response after `threshold_minutes` breaches."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sla_policies")
    public_id = models.CharField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    threshold_minutes = models.DecimalField(max_digits=12, decimal_places=4)
    ruleset = models.ForeignKey(
        "routing.Ruleset", null=True, blank=True, on_delete=models.CASCADE, related_name="sla_policies"
    )
    webhook_url = models.URLField(max_length=2000)
    is_active = models.BooleanField(default=True)
    on_breach = models.CharField(max_length=16, choices=OnBreach.choices, default=OnBreach.NOTIFY)
    business_hours = models.BooleanField(default=False)
    # Needed in clear to sign (HMAC), so encrypted at rest rather than hashed; never returned after creation.
    signing_secret = EncryptedTextField(editable=False)
    # Set when the receiver answered 410 Gone: events are no longer sent until the URL is saved again.
    webhook_disabled_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "SLA policies"
        indexes = [models.Index(fields=["org", "is_active"], name="slapolicy_org_active_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def threshold_seconds(self) -> float:
        return float(self.threshold_minutes) * 60


class SlaBreach(models.Model):
    public_id = models.CharField(max_length=80, unique=True)
    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="breaches")
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="sla_breaches")
    rep = models.ForeignKey("reps.Rep", null=True, on_delete=models.SET_NULL, related_name="+")
    detected_at = models.DateTimeField()
    elapsed_seconds = models.FloatField()
    threshold_seconds = models.FloatField()
    # The on_breach action (a re-route) is claimed by setting action_at, so it runs once.
    action_at = models.DateTimeField(null=True, blank=True)
    action_result = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        constraints = [
            # Recorded once per lead and policy, even with two checkers running at once.
            models.UniqueConstraint(fields=["policy", "lead"], name="slabreach_policy_lead_unique")
        ]

    def __str__(self) -> str:
        return self.public_id


class EventStatus(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookEvent(models.Model):
    """The outbox: written in the breach's transaction; a worker delivers it (and retries) from here."""

    public_id = models.CharField(max_length=80, unique=True)
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhook_events")
    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="events")
    breach = models.OneToOneField(
        SlaBreach, null=True, blank=True, on_delete=models.SET_NULL, related_name="event"
    )
    type = models.CharField(max_length=64)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=EventStatus.choices, default=EventStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A claimed attempt holds the event until this time (longer than any attempt can take); a worker that
    # dies mid-attempt thus delays the event by the lease, and never loses it.
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The delivery poll: pending events that are due.
            models.Index(
                fields=["next_attempt_at"],
                name="webhookevent_due_idx",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return self.public_id


class WebhookDelivery(models.Model):
    """One attempt to deliver an event, as the receiver answered it."""

    public_id = models.CharField(max_length=80, unique=True)
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    attempt = models.PositiveIntegerField()
    url = models.URLField(max_length=2000)
    requested_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, default="")  # at most 64 KiB, non-UTF-8 bytes escaped
    error = models.TextField(blank=True, default="")
    duration_ms = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "attempt"], name="webhookdelivery_event_attempt_unique")
        ]

    def __str__(self) -> str:
        return f"{self.event_id} attempt {self.attempt}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


# --- analytics rollups (see intelligence/rollups.py) ------------------------------------------------------


class AnalyticsDay(models.Model):
    """One UTC day of one organization whose leads are rolled up in LeadDayCell rows. A day is read from its
    cells only while no AnalyticsDirtyMark names it; otherwise (and before it is built) it is read live."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    built_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "day"], name="analyticsday_org_day_unique")]

    def __str__(self) -> str:
        return f"{self.org_id}:{self.day}"


class AnalyticsDirtyMark(models.Model):
    """Written by a PostgreSQL trigger (migration 0003) whenever a lead of an earlier day, or a breach of such
    a lead, is written: that day's cells are stale until the builder rebuilds it. Append-only (no unique key,
    so no row lock is ever taken or waited for); the builder deletes the marks its snapshot saw."""

    # No foreign key: the trigger also fires while an organization is being deleted.
    org_id = models.BigIntegerField()
    day = models.DateField()
    marked_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["org_id", "day"], name="analyticsdirty_org_day_idx")]

    def __str__(self) -> str:
        return f"{self.org_id}:{self.day}"


class LeadDayCell(models.Model):
    """The leads of one built day with the same ruleset, current rep and current rule: sums, so any set of
    cells adds up to the summary's counts. Response-time percentiles are not here (they do not add up):
    analytics_summary computes them exactly from the leads."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    ruleset_id = models.BigIntegerField()
    rep_id = models.BigIntegerField(null=True)
    rule_public_id = models.CharField(max_length=80, null=True)
    rule_name = models.CharField(max_length=200, null=True)
    total = models.PositiveIntegerField(default=0)
    assigned = models.PositiveIntegerField(default=0)
    rerouted = models.PositiveIntegerField(default=0)
    converted = models.PositiveIntegerField(default=0)
    first_attempt = models.PositiveIntegerField(default=0)
    fallback = models.PositiveIntegerField(default=0)
    routed = models.PositiveIntegerField(default=0)  # leads with a routing_ms
    routing_ms_sum = models.FloatField(default=0)
    responded = models.PositiveIntegerField(default=0)
    timed = models.PositiveIntegerField(default=0)  # leads with a response_seconds
    response_seconds_sum = models.FloatField(default=0)
    breaches = models.PositiveIntegerField(default=0)
    breached_leads = models.PositiveIntegerField(default=0)

    class Meta:
        # analytics_summary: the cells of the built days of a period.
        indexes = [models.Index(fields=["org", "day"], name="leaddaycell_org_day_idx")]

    def __str__(self) -> str:
        return f"{self.org_id}:{self.day}:{self.rep_id}:{self.rule_public_id}"
