"""Writes for leads: route a new lead, re-route it, change its status (API, pages and tasks call these)."""

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from reps.models import Rep
from routeswit import metrics
from routeswit.api.errors import ConflictError, NotFoundError, ValidationFailed
from routeswit.db import one_or_none
from routeswit.ids import new_public_id
from routeswit.orgs.models import Organization
from routing.decide import Decision, LockingSource, decide
from routing.models import Distribution, PoolTurn, Ruleset, RulesetVersion
from routing.picker import rep_local_day, weights_after_pick
from routing.selectors import ruleset_get, version_compiled

from .models import CLOSED_STATUSES, OPEN_STATUSES, Assignment, AssignmentReason, Lead, LeadStatus

log = logging.getLogger("routeswit.routing")
DEADLOCK_RETRIES = 3
ROUTED_FIELDS = (
    "rep",
    "status",
    "assigned_at",
    "attempts",
    "routing_ms",
    "ruleset_version",
    "rule_public_id",
    "rule_name",
    "reason",
    "first_assigned_at",
)


class Contention(Exception):
    """A guard saw state change under it (only possible without row locks, as on SQLite): route again."""


def lead_fingerprint(data: dict) -> str:
    canonical = {k: data.get(k) for k in ("lead_id", "ruleset_id", "attributes", "contact")}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def lead_route(*, org: Organization, data: dict) -> tuple[Lead, bool]:
    """Store and route a lead; returns (lead, created). Re-sending the same body replays the first result.

    The unique (org, lead_id) constraint decides duplicates: a concurrent or repeated request fails its
    insert, its transaction (turn included) rolls back, and it replays the stored lead instead.
    """
    fingerprint = lead_fingerprint(data)
    ruleset = _ruleset_for(org=org, ref=data["ruleset_id"])
    try:
        lead = _with_deadlock_retry(
            lambda: _route_new(org=org, ruleset=ruleset, data=data, fingerprint=fingerprint)
        )
    except IntegrityError:
        existing = one_or_none(Lead.objects.filter(org=org, lead_id=data["lead_id"]))
        if existing is None:
            raise
        return _replay(existing, fingerprint), False
    return lead, True


def _ruleset_for(*, org: Organization, ref: str) -> Ruleset:
    try:
        return ruleset_get(org=org, ref=ref)
    except NotFoundError:  # a bad body field is a validation error, not a 404
        raise ValidationFailed({"ruleset_id": [f"No ruleset {ref!r}."]}) from None


def _replay(lead: Lead, fingerprint: str) -> Lead:
    if lead.fingerprint != fingerprint:
        raise ConflictError(
            f"lead_id {lead.lead_id!r} was already sent with a different body; re-route it explicitly."
        )
    return lead


def _with_deadlock_retry(work):
    for attempt in range(DEADLOCK_RETRIES):
        try:
            return work()
        except (OperationalError, Contention) as exc:
            if "deadlock" not in str(exc).lower() and not isinstance(exc, Contention):
                raise
            if attempt == DEADLOCK_RETRIES - 1:
                raise
            log.warning("routing deadlock, retrying (attempt %s)", attempt + 1)
    raise AssertionError("unreachable")


def _route_new(*, org: Organization, ruleset: Ruleset, data: dict, fingerprint: str) -> Lead:
    version = ruleset.current_version
    with transaction.atomic():
        contact = _contact_for(org=org, data=data.get("contact"))
        routed = _route(
            org_id=org.pk,
            version=version,
            attributes=data["attributes"],
            lead_id=data["lead_id"],
            tier=None,
            excluded=set(),
        )
        lead = Lead(
            org=org,
            public_id=new_public_id("lead"),
            lead_id=data["lead_id"],
            ruleset=ruleset,
            ruleset_ref=data["ruleset_id"],
            attributes=data["attributes"],
            fingerprint=fingerprint,
            contact=contact,
        )
        routed.apply_to(lead, version=version, attempt=1)
        lead.save(force_insert=True)
        assignment = routed.record(lead=lead, attempt=1, tier=None, note="")
        # The caller renders the new lead from memory: its one assignment is all the history there is.
        lead._prefetched_objects_cache = {"assignments": [assignment]}
        return lead


def _contact_for(*, org: Organization, data: dict | None):
    if not data:
        return None
    from contacts.services import contact_upsert

    contact, _ = contact_upsert(org=org, data=data)
    return contact


@dataclass
class Routed:
    """A decision taken under row locks, with the turn already counted; not yet written to the lead."""

    decision: Decision
    explanation: dict
    now: datetime
    routing_ms: float

    def apply_to(self, lead: Lead, *, version: RulesetVersion, attempt: int) -> None:
        decision, chosen = self.decision, self.decision.chosen
        lead.rep = chosen.rep if chosen else None
        lead.status = LeadStatus.ASSIGNED if chosen else LeadStatus.UNASSIGNED
        lead.assigned_at = self.now if chosen else None
        lead.attempts = attempt
        lead.ruleset_version = version
        lead.routing_ms = self.routing_ms
        lead.rule_public_id = decision.rule.public_id if decision.rule else None
        lead.rule_name = decision.rule.name if decision.rule else None
        lead.reason = decision.reason or AssignmentReason.NONE
        if chosen and lead.first_assigned_at is None:
            lead.first_assigned_at = self.now

    def record(self, *, lead: Lead, attempt: int, tier: int | None, note: str) -> Assignment:
        decision, chosen = self.decision, self.decision.chosen
        assignment = Assignment.objects.create(
            lead=lead,
            rep=chosen.rep if chosen else None,
            rep_day=rep_local_day(chosen.rep, self.now) if chosen else None,
            rule_public_id=decision.rule.public_id if decision.rule else None,
            rule_name=decision.rule.name if decision.rule else None,
            reason=decision.reason or AssignmentReason.NONE,
            attempt=attempt,
            tier=decision.rule.tier if decision.rule else tier,
            instructions=chosen.instructions if chosen else None,
            note=note,
            explanation=self.explanation,
            assigned_at=self.now,
        )
        transaction.on_commit(lambda: metrics.lead_routed(outcome=self.outcome, routing_ms=self.routing_ms))
        return assignment

    @property
    def outcome(self) -> str:
        return self.decision.reason if self.decision.chosen else LeadStatus.UNASSIGNED


def _route(
    *,
    org_id: int,
    version: RulesetVersion,
    attributes: dict,
    lead_id: str,
    tier: int | None,
    excluded: set[int],
) -> Routed:
    """Decide under row locks and take the turn. Must run inside the caller's transaction."""
    started = time.perf_counter()
    now = timezone.now()
    compiled, rules_by_key = version_compiled(version=version)
    decision = decide(
        org_id=org_id,
        version=version,
        compiled=compiled,
        rules_by_key=rules_by_key,
        attributes=attributes,
        lead_id=lead_id,
        source=LockingSource(org_id),
        now=now,
        tier=tier,
        excluded=excluded,
    )
    explanation = decision.explanation()  # as the reps stood when the decision was made
    if decision.chosen is not None:
        _take_turn(org_id=org_id, decision=decision, now=now)
    return Routed(decision, explanation, now, round((time.perf_counter() - started) * 1000, 3))


def _take_turn(*, org_id: int, decision: Decision, now: datetime) -> None:
    """Count the lead against the chosen rep's caps and move the pool's turn. Rows are locked already;
    the conditional UPDATE is a second guard that no cap is ever exceeded."""
    rep = decision.chosen.rep
    capped = Q(max_open_leads__isnull=True) | Q(open_leads__lt=F("max_open_leads"))
    if not Rep.objects.filter(capped, pk=rep.pk).update(open_leads=F("open_leads") + 1):
        raise Contention(f"{rep.public_id} filled up between the read and the write")
    rep.open_leads += 1
    weights = weights_after_pick(decision.ordered) if decision.distribution == Distribution.WEIGHTED else {}
    # Every rep of the pool is locked, so the next turn number is read and written without a race.
    next_seq = max((c.state.last_seq or 0 for c in decision.candidates), default=0) + 1
    rows = []
    for candidate in decision.ordered:
        is_chosen = candidate.rep.pk == rep.pk
        if not is_chosen and candidate.rep.pk not in weights:
            continue
        state = candidate.state
        rows.append(
            PoolTurn(
                org_id=org_id,
                pool_key=decision.pool_key,
                rep=candidate.rep,
                last_assigned_at=now if is_chosen else state.last_assigned_at,
                last_seq=next_seq if is_chosen else state.last_seq,
                turns=state.turns + (1 if is_chosen else 0),
                current_weight=weights.get(candidate.rep.pk, state.current_weight),
            )
        )
    PoolTurn.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["pool_key", "rep"],
        update_fields=["last_assigned_at", "last_seq", "turns", "current_weight"],
    )


def _release(lead: Lead) -> None:
    """The lead no longer counts toward its rep's open leads."""
    if lead.rep_id is not None and lead.status in OPEN_STATUSES:
        Rep.objects.filter(pk=lead.rep_id, open_leads__gt=0).update(open_leads=F("open_leads") - 1)


def lead_reroute(*, lead: Lead, tier: int | None = None, reason: str = "") -> Lead:
    """A new attempt that excludes every rep the lead ever had; UNASSIGNED when nobody is eligible."""

    def work() -> Lead:
        with transaction.atomic():
            locked = Lead.objects.select_for_update().get(pk=lead.pk)
            if locked.status in CLOSED_STATUSES:
                raise ConflictError(f"The lead is {locked.status}; a closed lead is not re-routed.")
            excluded = set(locked.assignments.exclude(rep=None).values_list("rep_id", flat=True))
            _release(locked)
            # Re-routing follows the ruleset as it is now; the lead then remembers that version.
            version = locked.ruleset.current_version or locked.ruleset_version
            routed = _route(
                org_id=locked.org_id,
                version=version,
                attributes=locked.attributes,
                lead_id=locked.lead_id,
                tier=tier,
                excluded=excluded,
            )
            attempt = locked.attempts + 1
            routed.apply_to(locked, version=version, attempt=attempt)
            locked.save(update_fields=[*ROUTED_FIELDS, "updated_at"])
            routed.record(lead=locked, attempt=attempt, tier=tier, note=reason)
            return locked

    return _with_deadlock_retry(work)


def lead_update(*, lead: Lead, data: dict) -> Lead:
    """PATCH: status (closing frees capacity, reopening takes it again) and attributes."""
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        if "status" in data and data["status"] != locked.status:
            _change_status(locked, data["status"])
        if "attributes" in data:
            locked.attributes = data["attributes"]
        locked.save()
        return locked


def _change_status(lead: Lead, status: str) -> None:
    if lead.rep_id is None and status in OPEN_STATUSES:
        raise ValidationFailed({"status": [f"The lead has no rep; re-route it instead of setting {status}."]})
    was_open = lead.status in OPEN_STATUSES
    if was_open and status in CLOSED_STATUSES:
        _release(lead)
    elif not was_open and status in OPEN_STATUSES:
        Rep.objects.filter(pk=lead.rep_id).update(open_leads=F("open_leads") + 1)
    lead.status = status
