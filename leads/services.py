"""Writes for leads: route a new lead, re-route it, change its status (API, pages and tasks call these)."""

import hashlib
import json
import logging
import time
from datetime import datetime

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from reps.models import Rep
from routeswit import metrics
from routeswit.api.errors import BusyError, ConflictError, NotFoundError, ValidationFailed
from routeswit.db import one_or_none
from routeswit.ids import new_public_id
from routeswit.orgs.models import Organization
from routing.decide import Decision, PoolReader, decide
from routing.models import Distribution, PoolTurn, Ruleset, RulesetVersion
from routing.picker import Excluded, order_eligible, rep_local_day, weights_after_pick
from routing.selectors import ruleset_get, version_compiled

from .models import CLOSED_STATUSES, OPEN_STATUSES, Assignment, AssignmentReason, Lead, LeadStatus

log = logging.getLogger("routeswit.routing")
DEADLOCK_RETRIES = 5
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
    """State changed under a guard (a rep filled up through another pool, or a daily cap was reached there
    meanwhile): the transaction rolls back and routing starts again from fresh reads."""


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
                if isinstance(exc, Contention):
                    raise BusyError("Routing is busy with concurrent leads for these reps; retry.") from exc
                raise
            log.warning("routing retried (attempt %s): %s", attempt + 1, exc)
    raise AssertionError("unreachable")


def _route_new(*, org: Organization, ruleset: Ruleset, data: dict, fingerprint: str) -> Lead:
    version = ruleset.current_version
    with transaction.atomic():
        contact = _contact_for(org=org, data=data.get("contact"))
        lead = Lead(
            org=org,
            public_id=new_public_id("lead"),
            lead_id=data["lead_id"],
            ruleset=ruleset,
            ruleset_version=version,
            ruleset_ref=data["ruleset_id"],
            status=LeadStatus.UNASSIGNED,
            attributes=data["attributes"],
            fingerprint=fingerprint,
            contact=contact,
        )
        # Inserted before routing: a duplicate lead_id fails here, on the unique constraint, before any
        # pool is locked or any turn taken (a concurrent duplicate waits here for the first to commit).
        lead.save(force_insert=True)
        assignment = _route(lead=lead, version=version, attempt=1, tier=None, excluded=set(), note="")
        # The caller renders the new lead from memory: its one assignment is all the history there is.
        lead._prefetched_objects_cache = {"assignments": [assignment]}
        return lead


def _contact_for(*, org: Organization, data: dict | None):
    if not data:
        return None
    from contacts.services import contact_upsert

    contact, _ = contact_upsert(org=org, data=data)
    return contact


def _route(
    *,
    lead: Lead,
    version: RulesetVersion,
    attempt: int,
    tier: int | None,
    excluded: set[int],
    note: str,
    release: Lead | None = None,
) -> Assignment:
    """Route `lead` (already saved, inside the caller's transaction): decide, take the turn, write the
    routed fields and the assignment. Returns the assignment.

    Each pool the decision considers is locked (advisory, per pool) and read in one statement; the winner
    is written in one more (_write_assigned), so a pool is held for two statements and the commit.
    """
    started = time.perf_counter()
    now = timezone.now()
    compiled, rules_by_key = version_compiled(version=version)
    decision = decide(
        org_id=lead.org_id,
        version=version,
        compiled=compiled,
        rules_by_key=rules_by_key,
        attributes=lead.attributes,
        lead_id=lead.lead_id,
        source=PoolReader(lead.org_id),
        now=now,
        tier=tier,
        excluded=excluded,
    )
    return _assign(
        lead,
        decision,
        version=version,
        attempt=attempt,
        tier=tier,
        note=note,
        started=started,
        release=release,
    )


def _assign(
    lead: Lead,
    decision: Decision,
    *,
    version,
    attempt: int,
    tier: int | None,
    note: str,
    started: float,
    release: Lead | None,
) -> Assignment:
    """Write the outcome. For a rep: the rep's counters and the pool's turn, guarded on the rep's own row
    (another pool may have filled the rep since the read: then the next candidate), then the lead and its
    assignment, all in one statement on PostgreSQL. A re-route then releases the earlier rep (`release`)."""
    now = timezone.now()
    while decision.ordered:
        chosen = decision.ordered[0]
        if release is not None and release.rep_id is not None:
            # Two rep rows change: lock them in id order, so re-routes swapping reps never deadlock.
            _lock_reps_in_order([release.rep_id, chosen.rep.pk])
        assignment = _outcome(lead, decision, version=version, attempt=attempt, tier=tier, note=note, now=now)
        lead.routing_ms = round((time.perf_counter() - started) * 1000, 3)
        if _write_assigned(lead, assignment, decision, now=now):
            chosen.rep.open_leads += 1
            _check_daily_cap(chosen.rep, assignment.rep_day)
            break
        # Filled up through another pool between the read and the write: the next candidate, if any.
        log.info("%s filled up through another pool; trying the next candidate", chosen.rep.public_id)
        chosen.excluded_because = Excluded.AT_CAPACITY
        decision.ordered = order_eligible(decision.distribution, decision.candidates)
    else:
        if decision.chosen is None and decision.reason is not None:
            raise Contention("every candidate filled up between the read and the write")
        assignment = _outcome(lead, decision, version=version, attempt=attempt, tier=tier, note=note, now=now)
        lead.routing_ms = round((time.perf_counter() - started) * 1000, 3)
        lead.save(update_fields=[*ROUTED_FIELDS, "updated_at"])
        assignment.save(force_insert=True)
    if release is not None:
        _release(release)
    outcome = decision.reason if decision.chosen else LeadStatus.UNASSIGNED
    transaction.on_commit(lambda: metrics.lead_routed(outcome=outcome, routing_ms=lead.routing_ms))
    return assignment


def _outcome(lead: Lead, decision: Decision, *, version, attempt: int, tier, note: str, now: datetime):
    """Set the lead's routed fields (in memory) and return its new assignment (unsaved), with the
    explanation as the reps stood when the decision was made."""
    chosen, rule = decision.chosen, decision.rule
    lead.rep = chosen.rep if chosen else None
    lead.status = LeadStatus.ASSIGNED if chosen else LeadStatus.UNASSIGNED
    lead.assigned_at = now if chosen else None
    lead.attempts = attempt
    lead.ruleset_version = version
    lead.rule_public_id = rule.public_id if rule else None
    lead.rule_name = rule.name if rule else None
    lead.reason = decision.reason if chosen else AssignmentReason.NONE
    if chosen and lead.first_assigned_at is None:
        lead.first_assigned_at = now
    lead.updated_at = now
    return Assignment(
        lead=lead,
        rep=lead.rep,
        rep_day=rep_local_day(chosen.rep, now) if chosen else None,
        rule_public_id=lead.rule_public_id,
        rule_name=lead.rule_name,
        reason=lead.reason,
        attempt=attempt,
        tier=rule.tier if rule else tier,
        instructions=chosen.instructions if chosen else None,
        note=note,
        explanation=decision.explanation(),
        assigned_at=now,
    )


def _turn_rows(decision: Decision, now: datetime) -> list[tuple]:
    """(rep pk, last_assigned_at, last_seq, turns, current_weight) of the pool's rows that change."""
    chosen = decision.chosen.rep
    weights = weights_after_pick(decision.ordered) if decision.distribution == Distribution.WEIGHTED else {}
    # The pool is locked, so the next turn number is read and written without a race.
    next_seq = max((c.state.last_seq or 0 for c in decision.candidates), default=0) + 1
    rows = []
    for candidate in decision.ordered:
        is_chosen = candidate.rep.pk == chosen.pk
        if not is_chosen and candidate.rep.pk not in weights:
            continue
        state = candidate.state
        rows.append(
            (
                candidate.rep.pk,
                now if is_chosen else state.last_assigned_at,
                next_seq if is_chosen else state.last_seq,
                state.turns + (1 if is_chosen else 0),
                weights.get(candidate.rep.pk, state.current_weight),
            )
        )
    return rows


def _write_assigned(lead: Lead, assignment: Assignment, decision: Decision, *, now: datetime) -> bool:
    """Count the lead against the rep (only while under its cap), move the pool's turn, store the lead's
    routed fields and the assignment. False, with nothing written, when the rep is at capacity."""
    turns = _turn_rows(decision, now)
    if connection.vendor != "postgresql":
        return _write_assigned_orm(lead, assignment, decision, turns)
    params = {
        "org": lead.org_id,
        "pool": decision.pool_key,
        "rep": assignment.rep_id,
        "lead": lead.pk,
        "now": now,
        "attempts": lead.attempts,
        "version": lead.ruleset_version_id,
        "routing_ms": lead.routing_ms,
        "rule_id": assignment.rule_public_id,
        "rule_name": assignment.rule_name,
        "reason": assignment.reason,
        "rep_day": assignment.rep_day,
        "tier": assignment.tier,
        "instructions": assignment.instructions,
        "note": assignment.note,
        "explanation": json.dumps(assignment.explanation),
    }
    columns = list(zip(*turns, strict=True))  # one array per column of the turn rows
    params.update(zip(("t_rep", "t_at", "t_seq", "t_turns", "t_weight"), map(list, columns), strict=True))
    with connection.cursor() as cursor:
        cursor.execute(ASSIGN_SQL, params)
        assignment_pk = cursor.fetchone()[0]
    if assignment_pk is None:
        return False
    assignment.pk = assignment.id = assignment_pk
    assignment._state.adding = False
    return True


# One statement for the whole write (PostgreSQL): the guarded counter on the rep's row decides; the turn, the
# lead and the assignment are written only if it went through. The rep's row stays locked until commit.
ASSIGN_SQL = """
WITH rep AS (
    UPDATE reps_rep SET open_leads = open_leads + 1
    WHERE id = %(rep)s AND (max_open_leads IS NULL OR open_leads < max_open_leads)
    RETURNING id
), turn AS (
    INSERT INTO routing_poolturn (org_id, pool_key, rep_id, last_assigned_at, last_seq, turns, current_weight)
    SELECT %(org)s, %(pool)s, v.rep_id, v.last_assigned_at, v.last_seq, v.turns, v.current_weight
    FROM unnest(%(t_rep)s::bigint[], %(t_at)s::timestamptz[], %(t_seq)s::bigint[], %(t_turns)s::bigint[],
                %(t_weight)s::bigint[]) AS v (rep_id, last_assigned_at, last_seq, turns, current_weight)
    WHERE EXISTS (SELECT 1 FROM rep)
    ON CONFLICT (pool_key, rep_id) DO UPDATE SET
        last_assigned_at = EXCLUDED.last_assigned_at, last_seq = EXCLUDED.last_seq,
        turns = EXCLUDED.turns, current_weight = EXCLUDED.current_weight
), lead AS (
    UPDATE leads_lead SET
        rep_id = %(rep)s, status = 'ASSIGNED', assigned_at = %(now)s, attempts = %(attempts)s,
        ruleset_version_id = %(version)s, routing_ms = %(routing_ms)s, rule_public_id = %(rule_id)s,
        rule_name = %(rule_name)s, reason = %(reason)s,
        first_assigned_at = COALESCE(first_assigned_at, %(now)s), updated_at = %(now)s
    WHERE id = %(lead)s AND EXISTS (SELECT 1 FROM rep)
), assignment AS (
    INSERT INTO leads_assignment (lead_id, rep_id, rep_day, rule_public_id, rule_name, reason, attempt, tier,
                                  instructions, note, explanation, assigned_at)
    SELECT %(lead)s, %(rep)s, %(rep_day)s, %(rule_id)s, %(rule_name)s, %(reason)s, %(attempts)s, %(tier)s,
           %(instructions)s, %(note)s, %(explanation)s::jsonb, %(now)s
    WHERE EXISTS (SELECT 1 FROM rep)
    RETURNING id
)
SELECT (SELECT id FROM assignment)
"""


def _write_assigned_orm(lead: Lead, assignment: Assignment, decision: Decision, turns: list[tuple]) -> bool:
    """The same write as ASSIGN_SQL, statement by statement (SQLite, `make run`: one writer at a time)."""
    capped = Q(max_open_leads__isnull=True) | Q(open_leads__lt=F("max_open_leads"))
    if not Rep.objects.filter(capped, pk=assignment.rep_id).update(open_leads=F("open_leads") + 1):
        return False
    PoolTurn.objects.bulk_create(
        [
            PoolTurn(
                org_id=lead.org_id,
                pool_key=decision.pool_key,
                rep_id=rep_pk,
                last_assigned_at=last_at,
                last_seq=seq,
                turns=count,
                current_weight=weight,
            )
            for rep_pk, last_at, seq, count, weight in turns
        ],
        update_conflicts=True,
        unique_fields=["pool_key", "rep"],
        update_fields=["last_assigned_at", "last_seq", "turns", "current_weight"],
    )
    lead.save(update_fields=[*ROUTED_FIELDS, "updated_at"])
    assignment.save(force_insert=True)
    return True


def _lock_reps_in_order(rep_pks: list[int]) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            sql = "SELECT id FROM reps_rep WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE"
            cursor.execute(sql, [sorted(set(rep_pks))])


def _check_daily_cap(rep: Rep, day) -> None:
    """The rep's row is locked by the write, so every other assignment of the rep today is committed and
    counted here: over the cap (a race between pools sharing the rep) rolls the whole routing back."""
    if rep.max_leads_per_day is None:
        return
    if Assignment.objects.filter(rep=rep, rep_day=day).count() > rep.max_leads_per_day:
        raise Contention(f"{rep.public_id} reached its daily cap through another pool meanwhile")


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
            previous = Lead(rep_id=locked.rep_id, status=locked.status)  # released once the new rep is in
            # Re-routing follows the ruleset as it is now; the lead then remembers that version.
            version = locked.ruleset.current_version or locked.ruleset_version
            _route(
                lead=locked,
                version=version,
                attempt=locked.attempts + 1,
                tier=tier,
                excluded=excluded,
                note=reason,
                release=previous,
            )
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
