from django.db import models

from routeswit.orgs.models import Organization


class RepStatus(models.TextChoices):
    AVAILABLE = "AVAILABLE"
    AWAY = "AWAY"
    OFFLINE = "OFFLINE"


class Rep(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="reps")
    public_id = models.CharField(max_length=80)
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    status = models.CharField(max_length=16, choices=RepStatus.choices, default=RepStatus.AVAILABLE)
    max_open_leads = models.PositiveIntegerField(null=True, blank=True)
    max_leads_per_day = models.PositiveIntegerField(null=True, blank=True)
    weight = models.PositiveSmallIntegerField(default=1)
    timezone = models.CharField(max_length=64, default="UTC")
    working_hours = models.JSONField(null=True, blank=True)
    away_until = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    # Kept by the routing service with a guarded update of this row; always equals a recount of open leads.
    open_leads = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "public_id"], name="rep_org_public_id_unique"),
            # Emails are compared lower-cased: Alex@X.com and alex@x.com are the same person.
            models.UniqueConstraint(
                "org",
                models.functions.Lower("email"),
                condition=models.Q(is_active=True),
                name="rep_org_active_email_unique_ci",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def save(self, **kwargs):
        """A full save of an existing rep (an edit, the admin) never writes `open_leads` back: the value
        loaded earlier may be stale by now, and routing and status changes own it (guarded updates)."""
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "open_leads"
            ]
        super().save(**kwargs)

    def effective_status(self, now) -> str:
        """An AWAY rep whose away_until has passed is AVAILABLE again, with no job needed to flip it."""
        if self.status == RepStatus.AWAY and self.away_until is not None and self.away_until <= now:
            return RepStatus.AVAILABLE
        return self.status


class Team(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    public_id = models.CharField(max_length=80)
    name = models.CharField(max_length=200)
    members = models.ManyToManyField(Rep, related_name="teams", blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "public_id"], name="team_org_public_id_unique")]

    def __str__(self) -> str:
        return self.name
