"""Writes for organizations, memberships and API keys."""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from routeswit.api.errors import ConflictError, NotFoundError, ValidationFailed
from routeswit.ids import random_base62

from .models import ApiKey, KeyKind, Membership, Organization, Role

SCOPE_RESOURCES = ("leads", "reps", "rules", "routing", "contacts", "analytics", "slas")
ALL_SCOPES = tuple(f"{r}:{a}" for r in SCOPE_RESOURCES for a in ("read", "write"))
KEY_PREFIXES = {KeyKind.SECRET: "sk_live_", KeyKind.READ_ONLY: "rk_live_", KeyKind.RESTRICTED: "rk_live_"}
LAST_USED_RESOLUTION = timedelta(minutes=1)


def key_hash(raw_key: str) -> str:
    """HMAC-SHA256 with a server-side pepper: keys are high-entropy, so no slow hash is needed."""
    return hmac.new(settings.API_KEY_PEPPER.encode(), raw_key.encode(), hashlib.sha256).hexdigest()


def org_create(*, name: str, slug: str | None = None) -> Organization:
    slug = slug or slugify(name)[:64]
    if not slug:
        raise ValidationFailed({"slug": ["Enter a slug of letters, digits and hyphens."]})
    if Organization.objects.filter(slug=slug).exists():
        raise ConflictError(f"An organization with slug {slug!r} already exists.")
    return Organization.objects.create(name=name, slug=slug)


def membership_set(*, org: Organization, user, role: str = Role.VIEWER) -> Membership:
    membership, _ = Membership.objects.update_or_create(org=org, user=user, defaults={"role": role})
    return membership


def membership_remove(*, membership: Membership, by_user) -> None:
    """Take a user out of an organization; nobody removes themselves, and the last admin stays."""
    if membership.user_id == by_user.pk:
        raise ConflictError("You cannot remove yourself; ask another admin.")
    admins = Membership.objects.filter(org_id=membership.org_id, role=Role.ADMIN)
    if membership.role == Role.ADMIN and admins.count() == 1:
        raise ConflictError("An organization keeps at least one admin.")
    membership.delete()


def scopes_validate(scopes: list[str]) -> list[str]:
    unknown = [s for s in scopes if s not in ALL_SCOPES]
    if unknown or not scopes:
        raise ValidationFailed(
            {"scopes": [f"Unknown scope {unknown[0]!r}." if unknown else "A restricted key needs a scope."]}
        )
    return sorted(set(scopes))


@dataclass(frozen=True)
class CreatedKey:
    api_key: ApiKey
    raw_key: str


@transaction.atomic
def api_key_create(
    *,
    org: Organization,
    kind: str = KeyKind.SECRET,
    scopes: list[str] | None = None,
    name: str = "",
    created_by=None,
) -> CreatedKey:
    """Make a key; the raw key exists only in the return value and is never stored."""
    if kind not in KeyKind.values:
        raise ValidationFailed({"kind": [f"Choose one of {', '.join(KeyKind.values)}."]})
    scopes = scopes_validate(scopes or []) if kind == KeyKind.RESTRICTED else []
    prefix = KEY_PREFIXES[kind]
    raw = prefix + random_base62(32)
    api_key = ApiKey.objects.create(
        org=org,
        name=name,
        kind=kind,
        scopes=scopes,
        prefix=prefix,
        lookup=raw[:16],
        hashed_key=key_hash(raw),
        last4=raw[-4:],
        created_by=created_by,
    )
    return CreatedKey(api_key=api_key, raw_key=raw)


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=api_key.revoked_at)
    return api_key


def api_key_revoke_by_id(*, key_id: str) -> ApiKey:
    api_key = ApiKey.objects.filter(public_id=key_id).first()
    if api_key is None:
        raise NotFoundError(f"No API key {key_id!r}.")
    return api_key_revoke(api_key=api_key)


def api_key_authenticate(*, raw_key: str) -> ApiKey | None:
    """The active key matching raw_key, or None. Constant-time comparison on the stored hash."""
    if len(raw_key) != 40 or raw_key[:8] not in KEY_PREFIXES.values():
        return None
    digest = key_hash(raw_key)
    for candidate in ApiKey.objects.select_related("org").filter(lookup=raw_key[:16]):
        if hmac.compare_digest(candidate.hashed_key, digest):
            if candidate.revoked_at is not None:
                return None
            api_key_touch(api_key=candidate)
            return candidate
    return None


def api_key_touch(*, api_key: ApiKey) -> None:
    """Record use at most once a minute per key, so a busy key costs no write per request."""
    now = timezone.now()
    if api_key.last_used_at and now - api_key.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now
