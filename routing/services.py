"""Writes for rulesets: every save is a new immutable version, compiled and checked before it is stored."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from reps.models import Rep, Team
from routeswit.api.errors import ValidationFailed
from routeswit.ids import new_public_id
from routeswit.orgs.models import Organization

from .engine import ConditionError, ConditionErrors, check_condition, check_structured
from .models import Distribution, Rule, Ruleset, RulesetVersion

RULE_CONTENT = ("condition", "conditions", "targets", "distribution", "priority", "tier", "is_active")


def normalize_rules(rules: list[dict]) -> list[dict]:
    """Defaults from the contract: name `Rule N`, priority = position, one target as a list of targets."""
    normalized = []
    for index, rule in enumerate(rules):
        targets = rule.get("targets")
        if targets is None and rule.get("target_id"):
            targets = [{"target_id": rule["target_id"], "instructions": None}]
        normalized.append(
            {
                "name": rule.get("name") or f"Rule {index + 1}",
                "condition": rule.get("condition"),
                "conditions": rule.get("conditions"),
                "targets": [
                    {"target_id": t["target_id"], "instructions": t.get("instructions")}
                    for t in targets or []
                ],
                "distribution": rule.get("distribution") or Distribution.ROUND_ROBIN,
                "priority": rule["priority"] if rule.get("priority") is not None else index + 1,
                "tier": rule.get("tier") or 1,
                "is_active": rule.get("is_active", True),
            }
        )
    return normalized


def rules_errors(*, org: Organization, rules: list[dict]) -> dict[str, list[str]]:
    """Every problem in the rules, keyed by path (`rules[2].condition`), conditions compiled by the engine."""
    known = target_ids_known(org=org)
    errors: dict[str, list[str]] = {}
    for index, rule in enumerate(rules):
        prefix = f"rules[{index}]"
        errors.update(_condition_errors(prefix, rule))
        if not rule["targets"]:
            errors[f"{prefix}.target_id"] = ["A rule needs target_id or targets."]
        for t_index, target in enumerate(rule["targets"]):
            if target["target_id"] not in known:
                key = (
                    f"{prefix}.targets[{t_index}].target_id"
                    if len(rule["targets"]) > 1
                    else f"{prefix}.target_id"
                )
                errors[key] = [f"Unknown rep or team {target['target_id']!r}."]
    return errors


def _condition_errors(prefix: str, rule: dict) -> dict[str, list[str]]:
    if rule["condition"] is not None and rule["conditions"] is not None:
        return {f"{prefix}.conditions": ["Give condition or conditions, not both."]}
    try:
        if rule["condition"] is not None:
            check_condition(rule["condition"])
        elif rule["conditions"] is not None:
            check_structured(rule["conditions"])
    except ConditionErrors as exc:
        return {f"{prefix}.{key}": [message] for key, message in exc.errors.items()}
    except ConditionError as exc:
        return {f"{prefix}.{exc.field}": [exc.message]}
    return {}


def target_ids_known(*, org: Organization) -> set[str]:
    reps = Rep.objects.filter(org=org, is_active=True).values_list("public_id", flat=True)
    teams = Team.objects.filter(org=org, is_active=True).values_list("public_id", flat=True)
    return set(reps) | set(teams)


def ruleset_validate(*, org: Organization, data: dict) -> list[dict]:
    """The normalized rules, or ValidationFailed naming every bad field."""
    rules = normalize_rules(data.get("rules") or [])
    errors = rules_errors(org=org, rules=rules)
    fallback = data.get("fallback_target_id")
    if fallback and fallback not in target_ids_known(org=org):
        errors["fallback_target_id"] = [f"Unknown rep or team {fallback!r}."]
    if errors:
        raise ValidationFailed(errors)
    return rules


def ruleset_save(*, org: Organization, data: dict) -> tuple[Ruleset, bool]:
    """Create or replace the ruleset with this slug; returns (ruleset, created)."""
    rules = ruleset_validate(org=org, data=data)
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _save_version(org=org, data=data, rules=rules)
        except IntegrityError:
            # Two first saves of one slug raced; the loser retries as an update of the winner's row.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _save_version(*, org: Organization, data: dict, rules: list[dict]) -> tuple[Ruleset, bool]:
    ruleset = Ruleset.objects.select_for_update().filter(org=org, slug=data["slug"]).first()
    created = ruleset is None or ruleset.archived_at is not None or ruleset.current_version_id is None
    if ruleset is None:
        ruleset = Ruleset.objects.create(org=org, slug=data["slug"], public_id=new_public_id("rs"))
    previous = ruleset.current_version if not created else None
    number = (ruleset.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = RulesetVersion.objects.create(
        ruleset=ruleset,
        number=number,
        name=data.get("name") or data["slug"],
        description=data.get("description") or "",
        fallback_target_id=data.get("fallback_target_id") or None,
    )
    Rule.objects.bulk_create(_rule_rows(version=version, rules=rules, previous=previous))
    ruleset.current_version = version
    ruleset.archived_at = None
    if "is_default" in data:
        ruleset.is_default = bool(data["is_default"])
    ruleset.save()
    return ruleset, created


def _rule_rows(*, version: RulesetVersion, rules: list[dict], previous: RulesetVersion | None) -> list[Rule]:
    """Rules keep their id (and created_at) across versions while their name stays the same."""
    earlier: dict[str, Rule] = {}
    for rule in previous.rules.all() if previous else []:
        earlier.setdefault(rule.name, rule)
    now = timezone.now()
    rows, used = [], set()
    for position, rule in enumerate(rules):
        before = earlier.get(rule["name"]) if rule["name"] not in used else None
        used.add(rule["name"])
        unchanged = before is not None and all(getattr(before, f) == rule[f] for f in RULE_CONTENT)
        rows.append(
            Rule(
                version=version,
                position=position,
                public_id=before.public_id if before else new_public_id("rule"),
                created_at=before.created_at if before else now,
                updated_at=before.updated_at if unchanged else now,
                **{k: rule[k] for k in ("name", *RULE_CONTENT)},
            )
        )
    return rows


def ruleset_archive(*, ruleset: Ruleset) -> Ruleset:
    """Archived rulesets route nothing new; their versions stay for the leads that remember them."""
    ruleset.archived_at = timezone.now()
    ruleset.is_default = False
    ruleset.save(update_fields=["archived_at", "is_default", "updated_at"])
    return ruleset
