"""The routing decision: rules in order, the first matching rule with an eligible rep wins, else the fallback.

`decide` reads reps through a source: `SnapshotSource` (preview, backtest: everything loaded once, nothing
locked or written) or `PoolReader` (real routing: each pool read when considered, under the pool's lock).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import Count, Q

from leads.models import Assignment
from reps.models import Rep, Team

from .models import Distribution, PoolTurn, Rule, RulesetVersion
from .picker import Candidate, PoolState, exclusion, order_eligible, pool_key, rep_local_day

FULL_TRACE_RULES = 50
# A lead that falls through thousands of rules keeps the first reasons and a count, not a megabyte of JSON.
TRACE_LIMIT = 100


PoolMember = tuple[Rep, str, str | None, PoolState]  # (rep, the target that named it, instructions, turn)


@dataclass
class Decision:
    rule: Rule | None = None
    reason: str | None = None  # RULE_MATCH, FALLBACK, or None when nobody is eligible
    ordered: list[Candidate] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    trace: list[dict] = field(default_factory=list)
    skipped_by_index: int = 0
    trace_omitted: int = 0
    fallback: dict | None = None
    pool_key: str | None = None
    distribution: str | None = None

    @property
    def chosen(self) -> Candidate | None:
        return self.ordered[0] if self.ordered else None

    def explanation(self) -> dict:
        return {
            "trace": self.trace,
            "candidates": [c.as_dict() for c in self.candidates],
            "rules_skipped_by_index": self.skipped_by_index,
            "trace_omitted": self.trace_omitted,
            "fallback": self.fallback,
            "distribution": self.distribution,
        }


class SnapshotSource:
    """All of an organization's reps, teams, today's counts and pool turns, read once."""

    def __init__(self, org_id: int, now: datetime):
        self.reps = {r.public_id: r for r in Rep.objects.filter(org_id=org_id)}
        by_pk = {r.pk: r for r in self.reps.values()}
        self.teams: dict[str, list[Rep]] = {}
        memberships = Team.members.through.objects.filter(team__org_id=org_id, team__is_active=True)
        for team_public_id, rep_pk in memberships.values_list("team__public_id", "rep_id").order_by("rep_id"):
            self.teams.setdefault(team_public_id, []).append(by_pk[rep_pk])
        days = {(r.pk, rep_local_day(r, now)) for r in by_pk.values()}
        counts = (
            Assignment.objects.filter(rep__org_id=org_id, rep_day__in={d for _, d in days})
            .values_list("rep_id", "rep_day")
            .annotate(n=Count("pk"))
        )
        self.daily = {(rep_pk, day): n for rep_pk, day, n in counts if (rep_pk, day) in days}
        self._turns: dict[str, dict[int, PoolTurn]] = {}

    def daily_count(self, rep: Rep, now: datetime) -> int:
        return self.daily.get((rep.pk, rep_local_day(rep, now)), 0)

    def pool(self, key: str, targets: list[dict], now: datetime) -> list[PoolMember]:
        # Only the pools this lead's rules touch are read, once per snapshot (a backtest reuses them).
        if key not in self._turns:
            self._turns[key] = {t.rep_id: t for t in PoolTurn.objects.filter(pool_key=key)}
        turns = self._turns[key]
        return [
            (rep, target_id, instructions, _state(turns.get(rep.pk)))
            for rep, target_id, instructions in expand(targets, self.reps, self.teams)
        ]


class PoolReader:
    """Real routing's view of the pools: each pool read when first considered, under the pool's
    transaction-scoped advisory lock, so whoever reads the pool next waits for this commit and turns are
    never given twice. One statement reads the pool's reps with their turns in the pool and, for reps with a
    daily cap, today's assignments (in the rep's timezone). Caps are also guarded where they are written
    (leads.services._write_assigned): a rep can be in several pools, so its counters are checked on its
    own row.
    """

    def __init__(self, org_id: int):
        self.org_id = org_id
        self._members: dict[str, list[int]] = {}
        self._daily: dict = {}
        self._locked: set[str] = set()

    def pool(self, key: str, targets: list[dict], now: datetime) -> list[PoolMember]:
        target_ids = [t["target_id"] for t in targets]
        by_team = self._team_members([t for t in target_ids if t.startswith("team_")])
        member_pks = sorted({pk for pks in by_team.values() for pk in pks})
        states = self._read(key, target_ids, member_pks, now)
        by_pk = {rep.pk: rep for rep in states}
        by_public = {rep.public_id: rep for rep in states}
        teams = {team: [by_pk[pk] for pk in pks if pk in by_pk] for team, pks in by_team.items()}
        return [
            (rep, target_id, instructions, states[rep])
            for rep, target_id, instructions in expand(targets, by_public, teams)
        ]

    def _read(self, key: str, target_ids: list[str], member_pks: list[int], now: datetime) -> dict:
        """{rep: its PoolState in this pool} (model instances hash by primary key)."""
        if connection.vendor != "postgresql":  # SQLite (`make run`): one writer at a time, no pool locks
            return self._read_portable(key, target_ids, member_pks)
        if key not in self._locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [pool_lock_id(key)])
            self._locked.add(key)
        params = {"org": self.org_id, "pool": key, "ids": target_ids, "pks": member_pks, "now": now}
        states = {}
        for rep in Rep.objects.raw(POOL_SQL, params):
            if rep.max_leads_per_day is not None:
                self._daily[(rep.pk, rep_local_day(rep, now))] = rep.today_count
            has_turn = rep.turn_turns is not None
            states[rep] = (
                PoolState(
                    rep.turn_last_assigned_at, rep.turn_last_seq, rep.turn_turns, rep.turn_current_weight
                )
                if has_turn
                else PoolState()
            )
        return states

    def _read_portable(self, key: str, target_ids: list[str], member_pks: list[int]) -> dict:
        wanted = Q(public_id__in=target_ids) | Q(pk__in=member_pks)
        reps = list(Rep.objects.filter(wanted, org_id=self.org_id).order_by("pk"))
        turns = {t.rep_id: t for t in PoolTurn.objects.filter(pool_key=key, rep__in=reps)}
        return {rep: _state(turns.get(rep.pk)) for rep in reps}

    def _team_members(self, team_ids: list[str]) -> dict[str, list[int]]:
        missing = [t for t in team_ids if t not in self._members]
        if missing:
            members = Team.members.through.objects.filter(
                team__org_id=self.org_id, team__is_active=True, team__public_id__in=missing
            ).values_list("team__public_id", "rep_id")
            for team_id in missing:
                self._members[team_id] = []
            for team_id, rep_pk in members.order_by("rep_id"):
                self._members[team_id].append(rep_pk)
        return {t: self._members[t] for t in team_ids}

    def daily_count(self, rep: Rep, now: datetime) -> int:
        day = rep_local_day(rep, now)
        if (rep.pk, day) not in self._daily:
            self._daily[(rep.pk, day)] = Assignment.objects.filter(rep=rep, rep_day=day).count()
        return self._daily[(rep.pk, day)]


# PoolReader's read, after the pool's lock: the reps named by the targets or in their teams, with their turn
# in this pool (if any) and, for capped reps, the assignments of their local day (as Assignment.rep_day).
POOL_SQL = """
SELECT rep.*,
       turn.last_assigned_at AS turn_last_assigned_at, turn.last_seq AS turn_last_seq,
       turn.turns AS turn_turns, turn.current_weight AS turn_current_weight,
       CASE WHEN rep.max_leads_per_day IS NULL THEN 0 ELSE (
           SELECT count(*) FROM leads_assignment AS a
           WHERE a.rep_id = rep.id AND a.rep_day = (%(now)s::timestamptz AT TIME ZONE rep.timezone)::date
       ) END AS today_count
FROM reps_rep AS rep
LEFT JOIN routing_poolturn AS turn ON turn.rep_id = rep.id AND turn.pool_key = %(pool)s
WHERE rep.org_id = %(org)s AND (rep.public_id = ANY(%(ids)s) OR rep.id = ANY(%(pks)s))
ORDER BY rep.id
"""


def pool_lock_id(key: str) -> int:
    """The pool's advisory lock: 60 bits of its key (a hex digest), a positive bigint."""
    return int(key[:15], 16)


def _state(turn: PoolTurn | None) -> PoolState:
    if turn is None:
        return PoolState()
    return PoolState(turn.last_assigned_at, turn.last_seq, turn.turns, turn.current_weight)


def expand(
    targets: list[dict], reps: dict[str, Rep], teams: dict[str, list[Rep]]
) -> list[tuple[Rep, str, str | None]]:
    """Each target's reps (a rep id, or a team's members), in target order, each rep once."""
    return _dedupe(
        (rep, t["target_id"], t.get("instructions"))
        for t in targets
        for rep in ([reps[t["target_id"]]] if t["target_id"] in reps else teams.get(t["target_id"], []))
    )


def _dedupe(items: Iterable[tuple[Rep, str, str | None]]) -> list[tuple[Rep, str, str | None]]:
    seen: set[int] = set()
    out = []
    for rep, target_id, instructions in items:
        if rep.pk not in seen:
            seen.add(rep.pk)
            out.append((rep, target_id, instructions))
    return out


def consider(
    *, org_id: int, targets: list[dict], distribution: str, source, excluded: set[int], now: datetime
) -> tuple[list[Candidate], list[Candidate], str]:
    """(every candidate with its exclusion, the eligible ones in order of use, the pool key)."""
    key = pool_key(org_id, [t["target_id"] for t in targets])
    candidates = []
    for rep, target_id, instructions, state in source.pool(key, targets, now):
        daily = source.daily_count(rep, now) if rep.max_leads_per_day is not None else 0
        reason = exclusion(rep, now=now, excluded_rep_ids=excluded, daily_count=daily)
        candidates.append(Candidate(rep, target_id, instructions, reason, state))
    return candidates, order_eligible(distribution, candidates), key


def trace_entry(rule: Rule, matched: bool, reason: str) -> dict:
    return {
        "rule_id": rule.public_id,
        "name": rule.name,
        "tier": rule.tier,
        "priority": rule.priority,
        "matched": matched,
        "reason": reason,
    }


def _no_one_reason(candidates: list[Candidate]) -> str:
    if not candidates:
        return "matched, but the rule's targets have no reps"
    reasons = sorted({c.excluded_because for c in candidates})
    return f"matched, but no eligible rep ({', '.join(reasons)})"


def decide(
    *,
    org_id: int,
    version: RulesetVersion,
    compiled,
    rules_by_key: dict,
    attributes: dict,
    lead_id: str,
    source,
    now: datetime,
    tier: int | None = None,
    excluded: set[int] | None = None,
) -> Decision:
    excluded = excluded or set()
    decision = Decision()
    # Small rulesets are scanned whole so the trace explains every rule; large ones go through the index.
    evaluation = compiled.evaluate(attributes, lead_id, tier, use_index=len(compiled) > FULL_TRACE_RULES)
    first_passed: tuple | None = None
    for outcome in evaluation:
        rule = rules_by_key[outcome.key]
        if not outcome.matched:
            if len(decision.trace) < TRACE_LIMIT:
                decision.trace.append(trace_entry(rule, False, outcome.reason))
            else:
                decision.trace_omitted += 1
            continue
        candidates, ordered, key = consider(
            org_id=org_id,
            targets=rule.targets,
            distribution=rule.distribution,
            source=source,
            excluded=excluded,
            now=now,
        )
        if ordered:
            decision.trace.append(trace_entry(rule, True, outcome.reason or "condition holds"))
            decision.skipped_by_index = evaluation.skipped_before(outcome)
            return _won(decision, rule, "RULE_MATCH", candidates, ordered, key, rule.distribution)
        decision.trace.append(trace_entry(rule, True, _no_one_reason(candidates)))
        first_passed = first_passed or (candidates, rule.distribution)
    decision.skipped_by_index = evaluation.pruned_count
    if first_passed:
        decision.candidates, decision.distribution = first_passed
    return _try_fallback(decision, version, org_id, source, excluded, now)


def _won(decision, rule, reason, candidates, ordered, key, distribution) -> Decision:
    decision.rule, decision.reason = rule, reason
    decision.candidates, decision.ordered = candidates, ordered
    decision.pool_key, decision.distribution = key, distribution
    return decision


def _try_fallback(decision, version, org_id, source, excluded, now) -> Decision:
    target_id = version.fallback_target_id
    if not target_id:
        return decision
    targets = [{"target_id": target_id, "instructions": None}]
    distribution = Distribution.ROUND_ROBIN
    candidates, ordered, key = consider(
        org_id=org_id, targets=targets, distribution=distribution, source=source, excluded=excluded, now=now
    )
    decision.fallback = {
        "target_id": target_id,
        "used": bool(ordered),
        "assignments": [assignment_dict(c) for c in ordered],
        "reason": "no rule yielded an eligible rep" if ordered else _no_one_reason(candidates),
    }
    if ordered:
        return _won(decision, None, "FALLBACK", candidates, ordered, key, distribution)
    return decision


def assignment_dict(candidate: Candidate) -> dict:
    return {
        "target_id": candidate.rep.public_id,
        "name": candidate.rep.name,
        "email": candidate.rep.email,
        "instructions": candidate.instructions,
    }
