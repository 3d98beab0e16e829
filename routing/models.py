from django.db import models

from reps.models import Rep
from routeswit.orgs.models import Organization


class Distribution(models.TextChoices):
    ROUND_ROBIN = "round_robin"
    WEIGHTED = "weighted"
    LEAST_LOADED = "least_loaded"
    ORDERED = "ordered"


class Ruleset(models.Model):
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="rulesets")
    public_id = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=100)
    current_version = models.ForeignKey(
        "RulesetVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_default = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "slug"], name="ruleset_org_slug_unique")]

    def __str__(self) -> str:
        return self.slug


class RulesetVersion(models.Model):
    """An immutable snapshot: leads remember the version that routed them."""

    ruleset = models.ForeignKey(Ruleset, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    fallback_target_id = models.CharField(max_length=80, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ruleset", "number"], name="version_ruleset_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.ruleset.slug} v{self.number}"


class Rule(models.Model):
    version = models.ForeignKey(RulesetVersion, on_delete=models.CASCADE, related_name="rules")
    # Stable across versions while the rule keeps its name, so integrators can follow a rule's history.
    public_id = models.CharField(max_length=80)
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    condition = models.TextField(null=True, blank=True)
    conditions = models.JSONField(null=True, blank=True)
    targets = models.JSONField(default=list)
    distribution = models.CharField(
        max_length=16, choices=Distribution.choices, default=Distribution.ROUND_ROBIN
    )
    priority = models.IntegerField()
    tier = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="rule_version_position_unique"),
            models.UniqueConstraint(fields=["version", "public_id"], name="rule_version_public_id_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class PoolTurn(models.Model):
    """Per pool of candidates (a set of target ids) and rep: when the rep last got a lead from this pool,
    and the smooth weighted round robin's running weight. Only read for routing and changed under the pool's
    advisory lock (routing.decide.PoolReader)."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    pool_key = models.CharField(max_length=64)
    rep = models.ForeignKey(Rep, on_delete=models.CASCADE, related_name="pool_turns")
    last_assigned_at = models.DateTimeField(null=True)
    # Order of turns within the pool: clocks of concurrent requests interleave, a sequence does not.
    last_seq = models.PositiveBigIntegerField(null=True)
    turns = models.PositiveBigIntegerField(default=0)
    current_weight = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pool_key", "rep"], name="poolturn_pool_rep_unique")]

    def __str__(self) -> str:
        return f"{self.pool_key}:{self.rep_id}"
