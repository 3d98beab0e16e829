from django.conf import settings
from django.db import models

from routeswit.ids import new_public_id


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "org"], name="membership_user_org_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.org} ({self.role})"


class KeyKind(models.TextChoices):
    SECRET = "secret", "Secret"
    READ_ONLY = "read_only", "Read-only"
    RESTRICTED = "restricted", "Restricted"


def _new_key_id() -> str:
    return new_public_id("key")


class ApiKey(models.Model):
    """An API key. Only an HMAC of the key is stored; `lookup` (its first 16 characters) finds the row."""

    public_id = models.CharField(max_length=64, unique=True, default=_new_key_id, editable=False)
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=16, choices=KeyKind.choices, default=KeyKind.SECRET)
    scopes = models.JSONField(default=list, blank=True)
    prefix = models.CharField(max_length=8, editable=False)
    lookup = models.CharField(max_length=16, db_index=True, editable=False)
    hashed_key = models.CharField(max_length=64, editable=False)
    last4 = models.CharField(max_length=4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"{self.name or self.public_id} ({self.display})"

    @property
    def display(self) -> str:
        return f"{self.prefix}…{self.last4}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyKey(models.Model):
    """A claimed `Idempotency-Key` of one organization: in progress while `status_code` is null, then the
    stored response to replay for 24 hours (see routeswit/api/idempotency.py)."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="idempotency_keys")
    key = models.CharField(max_length=255)
    # sha256 of method, path and canonical body: the same key with another request is a conflict.
    fingerprint = models.CharField(max_length=64)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2048)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "key"], name="idempotencykey_org_key_unique")]

    def __str__(self) -> str:
        return f"{self.key} ({self.method} {self.path})"
