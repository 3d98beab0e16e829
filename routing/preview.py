"""Read-only routing: the preview (evaluate, re-refer) and the backtest of a draft. Nothing is written and
no turn is consumed; reps' availability is taken as it is now."""

from collections import Counter

from django.utils import timezone

from leads.models import Assignment, Lead
from routeswit.orgs.models import Organization

from .decide import Decision, SnapshotSource, assignment_dict, decide
from .engine import CompiledRuleset, RuleSpec
from .models import Rule, Ruleset, RulesetVersion
from .selectors import version_compiled
from .services import ruleset_validate

SIMULATE_DEFAULT = 500
SIMULATE_MAX = 10_000


def routing_preview(
    *,
    org: Organization,
    version: RulesetVersion,
    attributes: dict,
    lead_id: str = "",
    tier: int | None = None,
    excluded: set[int] | None = None,
) -> Decision:
    now = timezone.now()
    compiled, rules_by_key = version_compiled(version=version)
    return decide(
        org_id=org.pk,
        version=version,
        compiled=compiled,
        rules_by_key=rules_by_key,
        attributes=attributes,
        lead_id=lead_id,
        source=SnapshotSource(org.pk, now),
        now=now,
        tier=tier,
        excluded=excluded,
    )


def preview_body(decision: Decision, ruleset: Ruleset, version: RulesetVersion) -> dict:
    matched = decision.reason == "RULE_MATCH"
    rule = decision.rule
    return {
        "rule": {"id": rule.public_id, "name": rule.name, "tier": rule.tier, "priority": rule.priority}
        if matched
        else None,
        "assignments": [assignment_dict(c) for c in decision.ordered] if matched else [],
        "ruleset": {"id": ruleset.public_id, "slug": ruleset.slug, "version": version.number},
        "trace": decision.trace,
        "candidates": [c.as_dict() for c in decision.candidates],
        "fallback": decision.fallback,
        "rules_skipped_by_index": decision.skipped_by_index,
        "trace_omitted": decision.trace_omitted,
    }


def draft_version(*, org: Organization, ruleset: Ruleset, draft: dict) -> tuple[RulesetVersion, list[Rule]]:
    """An unsaved version built from a draft body; rules keep the ids they would get if it were saved."""
    rules = ruleset_validate(org=org, data=draft)
    current = {r.name: r.public_id for r in ruleset.current_version.rules.all()}
    version = RulesetVersion(
        ruleset=ruleset,
        number=0,
        name=draft.get("name") or ruleset.slug,
        fallback_target_id=draft.get("fallback_target_id") or None,
    )
    rows = [
        Rule(
            pk=index + 1,
            position=index,
            public_id=current.get(rule["name"], f"draft_rule_{index + 1}"),
            **rule,
        )
        for index, rule in enumerate(rules)
    ]
    return version, rows


def ruleset_simulate(
    *, org: Organization, ruleset: Ruleset, draft: dict, limit: int = SIMULATE_DEFAULT
) -> dict:
    version, rules = draft_version(org=org, ruleset=ruleset, draft=draft)
    compiled = CompiledRuleset(
        RuleSpec(r.pk, r.tier, r.priority, r.is_active, r.condition, r.conditions) for r in rules
    )
    rules_by_key = {r.pk: r for r in rules}
    leads = list(
        Lead.objects.filter(org=org, ruleset=ruleset)
        .order_by("-created_at", "-pk")
        .values("pk", "public_id", "lead_id", "attributes")[:limit]
    )
    actual = {
        row["lead_id"]: row
        for row in Assignment.objects.filter(lead_id__in=[lead["pk"] for lead in leads], attempt=1).values(
            "lead_id", "rule_public_id", "rule_name", "rep__public_id"
        )
    }
    now = timezone.now()
    source = SnapshotSource(org.pk, now)
    by_rule: Counter = Counter()
    changes = []
    for lead in leads:
        decision = decide(
            org_id=org.pk,
            version=version,
            compiled=compiled,
            rules_by_key=rules_by_key,
            attributes=lead["attributes"],
            lead_id=lead["lead_id"],
            source=source,
            now=now,
        )
        before = actual.get(lead["pk"], {})
        after = _draft_outcome(decision, before.get("rep__public_id"))
        by_rule[after["rule"] or "(unassigned)"] += 1
        if (before.get("rule_public_id"), before.get("rep__public_id")) != (
            after["rule_id"],
            after["rep_id"],
        ):
            changes.append(
                {
                    "lead_id": lead["public_id"],
                    "client_lead_id": lead["lead_id"],
                    "actual": {
                        "rule": before.get("rule_name"),
                        "rule_id": before.get("rule_public_id"),
                        "rep_id": before.get("rep__public_id"),
                    },
                    "draft": after,
                }
            )
    return {"compared": len(leads), "changed": len(changes), "by_rule": dict(by_rule), "changes": changes}


def _draft_outcome(decision: Decision, actual_rep: str | None) -> dict:
    """Which rule and rep the draft gives. A rep who is still an eligible choice of the same pool counts as
    kept: round robin would hand out the same turns, so the rotation alone is not reported as a change."""
    eligible = [c.rep.public_id for c in decision.ordered]
    rep = actual_rep if actual_rep in eligible else (eligible[0] if eligible else None)
    rule = decision.rule
    name = rule.name if rule else ("(fallback)" if decision.reason == "FALLBACK" else None)
    return {"rule": name, "rule_id": rule.public_id if rule else None, "rep_id": rep}
