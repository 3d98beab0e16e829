from django.db import models

from reps.models import Rep
from routeswit.orgs.models import Organization


class LeadStatus(models.TextChoices):
    ASSIGNED = "ASSIGNED"
    UNASSIGNED = "UNASSIGNED"
    CONTACTED = "CONTACTED"
    QUALIFIED = "QUALIFIED"
    CONVERTED = "CONVERTED"
    LOST = "LOST"


OPEN_STATUSES = (LeadStatus.ASSIGNED, LeadStatus.CONTACTED, LeadStatus.QUALIFIED)
CLOSED_STATUSES = (LeadStatus.CONVERTED, LeadStatus.LOST)


class AssignmentReason(models.TextChoices):
    RULE_MATCH = "RULE_MATCH"
    FALLBACK = "FALLBACK"
    NONE = "NONE"


class Lead(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="leads")
    public_id = models.CharField(max_length=80, unique=True)
    lead_id = models.CharField(max_length=255)
    ruleset = models.ForeignKey("routing.Ruleset", on_delete=models.RESTRICT, related_name="leads")
    ruleset_version = models.ForeignKey(
        "routing.RulesetVersion", on_delete=models.RESTRICT, related_name="leads"
    )
    ruleset_ref = models.CharField(max_length=100)  # the slug or id the client sent, echoed as ruleset_id
    status = models.CharField(max_length=16, choices=LeadStatus.choices)
    attributes = models.JSONField(default=dict)
    # sha256 of the canonical request body: the same lead_id with another body is a conflict.
    fingerprint = models.CharField(max_length=64)
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    rep = models.ForeignKey(Rep, null=True, blank=True, on_delete=models.RESTRICT, related_name="leads")
    assigned_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=1)
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_response_rep = models.ForeignKey(
        Rep, null=True, blank=True, on_delete=models.SET_NULL, related_name="first_responses"
    )
    routing_ms = models.FloatField(null=True, blank=True)
    # Copied from the assignments when they are written, so analytics is one scan of leads with no join:
    # the current attempt's rule and reason, when the lead first got a rep, and the first response time.
    rule_public_id = models.CharField(max_length=80, null=True, blank=True)
    rule_name = models.CharField(max_length=200, null=True, blank=True)
    reason = models.CharField(max_length=16, choices=AssignmentReason.choices, default=AssignmentReason.NONE)
    first_assigned_at = models.DateTimeField(null=True, blank=True)
    response_seconds = models.FloatField(null=True, blank=True)  # first_response_at - first_assigned_at
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "lead_id"], name="lead_org_lead_id_unique")]
        indexes = [
            models.Index(fields=["org", "created_at"], name="lead_org_created_idx"),
            models.Index(fields=["org", "status"], name="lead_org_status_idx"),
            models.Index(fields=["rep", "status"], name="lead_rep_status_idx"),
            # intelligence.selectors.analytics_summary with ?rep= (the rep's leads created in the period).
            models.Index(fields=["org", "rep", "created_at"], name="lead_org_rep_created_idx"),
            # intelligence.selectors.analytics_summary with ?ruleset= (a ruleset's leads in the period).
            models.Index(fields=["org", "ruleset", "created_at"], name="lead_org_ruleset_created_idx"),
            # intelligence.selectors.analytics_summary, response-time percentiles (median, p90): the
            # responded leads already in order of response time, overall / per rep / per rule, so
            # percentile_cont reads a narrow index (no table, no sort of its own) and skips the rest.
            models.Index(
                fields=["org", "response_seconds"],
                name="lead_response_idx",
                include=["created_at", "ruleset", "rep"],
                condition=models.Q(response_seconds__isnull=False),
            ),
            models.Index(
                fields=["org", "rep", "response_seconds"],
                name="lead_rep_response_idx",
                include=["created_at", "ruleset"],
                condition=models.Q(response_seconds__isnull=False),
            ),
            models.Index(
                fields=["org", "rule_public_id", "response_seconds"],
                name="lead_rule_response_idx",
                include=["created_at", "ruleset", "rep"],
                condition=models.Q(response_seconds__isnull=False),
            ),
            # intelligence.services.sla_breaches_find: the leads waiting for a first response, assigned
            # before the threshold, oldest first. Only waiting leads are indexed, so the check reads the
            # overdue ones, not every lead (bench/bench_sla_check.py).
            models.Index(
                fields=["org", "assigned_at"],
                name="lead_awaiting_response_idx",
                condition=models.Q(status=LeadStatus.ASSIGNED, first_response_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.lead_id

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Assignment(models.Model):
    """One routing attempt of a lead, with the explanation of why it went where it went."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="assignments")
    rep = models.ForeignKey(Rep, null=True, blank=True, on_delete=models.RESTRICT, related_name="assignments")
    rep_day = models.DateField(null=True, blank=True)  # the day in the rep's timezone, for the daily cap
    rule_public_id = models.CharField(max_length=80, null=True, blank=True)
    rule_name = models.CharField(max_length=200, null=True, blank=True)
    reason = models.CharField(max_length=16, choices=AssignmentReason.choices)
    attempt = models.PositiveIntegerField()
    tier = models.PositiveIntegerField(null=True, blank=True)
    instructions = models.TextField(null=True, blank=True)
    note = models.TextField(blank=True, default="")  # why a re-route was asked for
    explanation = models.JSONField(default=dict)
    assigned_at = models.DateTimeField()
    # The rep's alert is an outbox row: sent by a worker after commit, and swept again until it is sent.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["attempt"]
        constraints = [
            models.UniqueConstraint(fields=["lead", "attempt"], name="assignment_lead_attempt_unique")
        ]
        indexes = [
            models.Index(fields=["rep", "rep_day"], name="assignment_rep_day_idx"),
            # The notification sweep: unsent alerts of assignments to a rep.
            models.Index(
                fields=["assigned_at"],
                name="assignment_unnotified_idx",
                condition=models.Q(notified_at__isnull=True, rep__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} attempt {self.attempt}"
