"""Reads of rulesets, versions and rules, scoped to one organization; the per-process compiled cache."""

import threading
from collections import OrderedDict

from django.db.models import F, QuerySet

from routeswit.api.errors import NotFoundError
from routeswit.db import one_or_none
from routeswit.orgs.models import Organization

from .engine import CompiledRuleset, RuleSpec
from .models import Rule, Ruleset, RulesetVersion


def ruleset_list(*, org: Organization) -> QuerySet[Ruleset]:
    return Ruleset.objects.filter(org=org, archived_at__isnull=True).select_related("current_version")


def ruleset_get(*, org: Organization, ref: str) -> Ruleset:
    """By slug or `rs_` id; archived rulesets are gone for the API."""
    field = "public_id" if ref.startswith("rs_") else "slug"
    ruleset = one_or_none(ruleset_list(org=org).filter(**{field: ref}))
    if ruleset is None or ruleset.current_version is None:
        raise NotFoundError(f"No ruleset {ref!r}.")
    return ruleset


def ruleset_default(*, org: Organization) -> Ruleset:
    ruleset = ruleset_list(org=org).exclude(current_version=None).order_by("-is_default", "pk").first()
    if ruleset is None:
        raise NotFoundError("This organization has no ruleset yet.")
    return ruleset


def version_list(*, ruleset: Ruleset) -> QuerySet[RulesetVersion]:
    return ruleset.versions.order_by("-number")


def version_rules(*, version: RulesetVersion) -> list[Rule]:
    return list(version.rules.order_by("position"))


def current_rules(
    *, org: Organization, ruleset: str | None = None, is_active: bool | None = None, tier: int | None = None
) -> QuerySet[Rule]:
    """Every rule of every live ruleset's current version, flat; optionally of one ruleset (slug or id),
    active or not, of one tier."""
    rules = Rule.objects.filter(
        version__ruleset__org=org,
        version__ruleset__archived_at__isnull=True,
        version__ruleset__current_version=F("version"),
    )
    if ruleset is not None:
        field = "version__ruleset__public_id" if ruleset.startswith("rs_") else "version__ruleset__slug"
        rules = rules.filter(**{field: ruleset})
    if is_active is not None:
        rules = rules.filter(is_active=is_active)
    if tier is not None:
        rules = rules.filter(tier=tier)
    return rules.select_related("version__ruleset").order_by("pk")


class _CompiledCache:
    """Compiled rulesets per process, keyed by version id (versions are immutable: entries never go stale)."""

    def __init__(self, size: int = 256):
        self.size = size
        self.entries: OrderedDict[int, tuple[CompiledRuleset, dict[int, Rule]]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, version: RulesetVersion) -> tuple[CompiledRuleset, dict[int, Rule]]:
        with self.lock:
            entry = self.entries.get(version.pk)
            if entry is not None:
                self.entries.move_to_end(version.pk)
                return entry
        entry = compile_version(version)
        with self.lock:
            self.entries[version.pk] = entry
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return entry


def compile_version(version: RulesetVersion) -> tuple[CompiledRuleset, dict[int, Rule]]:
    rules = version_rules(version=version)
    specs = [
        RuleSpec(
            key=rule.pk,
            tier=rule.tier,
            priority=rule.priority,
            is_active=rule.is_active,
            condition=rule.condition,
            conditions=rule.conditions,
        )
        for rule in rules
    ]
    return CompiledRuleset(specs), {rule.pk: rule for rule in rules}


compiled_cache = _CompiledCache()


def version_compiled(*, version: RulesetVersion) -> tuple[CompiledRuleset, dict[int, Rule]]:
    return compiled_cache.get(version)
