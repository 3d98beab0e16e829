from django.db import models
from django.db.models.functions import Lower

from reps.models import Rep
from routeswit.orgs.models import Organization


class Contact(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="contacts")
    public_id = models.CharField(max_length=80, unique=True)
    external_id = models.CharField(max_length=255, null=True, blank=True)
    email = models.EmailField(max_length=254, null=True, blank=True)
    first_name = models.CharField(max_length=200, blank=True, default="")
    last_name = models.CharField(max_length=200, blank=True, default="")
    phone = models.CharField(max_length=64, blank=True, default="")
    company = models.CharField(max_length=200, blank=True, default="")
    title = models.CharField(max_length=200, blank=True, default="")
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # Upserts match on these; the constraints (not a read-then-write) make concurrent upserts one row.
            models.UniqueConstraint(
                fields=["org", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="contact_org_external_id_unique",
            ),
            models.UniqueConstraint(
                "org",
                Lower("email"),
                condition=models.Q(email__isnull=False),
                name="contact_org_email_unique_ci",
            ),
        ]

    def __str__(self) -> str:
        return self.email or self.external_id or self.public_id


class ActivityType(models.TextChoices):
    CALL = "CALL"
    MEETING = "MEETING"
    EMAIL = "EMAIL"
    NOTE = "NOTE"
    SMS = "SMS"


class Outcome(models.TextChoices):
    POSITIVE = "POSITIVE"
    NEUTRAL = "NEUTRAL"
    NEGATIVE = "NEGATIVE"
    NO_ANSWER = "NO_ANSWER"


class Activity(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="activities")
    public_id = models.CharField(max_length=80, unique=True)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="activities")
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    rep = models.ForeignKey(Rep, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities")
    type = models.CharField(max_length=16, choices=ActivityType.choices)
    notes = models.TextField(blank=True, default="")
    outcome = models.CharField(max_length=16, choices=Outcome.choices, null=True, blank=True)
    occurred_at = models.DateTimeField()
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["contact", "-occurred_at"], name="activity_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.occurred_at:%Y-%m-%d}"
