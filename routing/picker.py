"""Who among a rule's candidates may take a lead (eligibility) and in what order (the distributions).

Pure functions over plain data, so the real routing (under the pool's lock), the preview and the backtest all
decide the same way.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from reps.models import Rep, RepStatus

from .models import Distribution

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Excluded:
    INACTIVE = "INACTIVE"
    ALREADY_ASSIGNED = "ALREADY_ASSIGNED"
    OFFLINE = "OFFLINE"
    AWAY = "AWAY"
    OUTSIDE_HOURS = "OUTSIDE_HOURS"
    AT_CAPACITY = "AT_CAPACITY"
    DAILY_CAP = "DAILY_CAP"


@dataclass
class PoolState:
    """What a pool remembers of one rep: when it last got a lead from the pool, and the smooth-WRR weight."""

    last_assigned_at: datetime | None = None
    last_seq: int | None = None
    turns: int = 0
    current_weight: int = 0


@dataclass
class Candidate:
    rep: Rep
    target_id: str
    instructions: str | None
    excluded_because: str | None = None
    state: PoolState = field(default_factory=PoolState)

    @property
    def eligible(self) -> bool:
        return self.excluded_because is None

    def as_dict(self) -> dict:
        return {
            "rep_id": self.rep.public_id,
            "name": self.rep.name,
            "target_id": self.target_id,
            "eligible": self.eligible,
            "excluded_because": self.excluded_because,
            "open_leads": self.rep.open_leads,
        }


def pool_key(org_id: int, target_ids: list[str]) -> str:
    """A pool is its set of targets, so fairness survives ruleset updates that keep the same pool."""
    return hashlib.sha256(f"{org_id}:{','.join(sorted(set(target_ids)))}".encode()).hexdigest()[:40]


def rep_local_day(rep: Rep, now: datetime) -> date:
    return now.astimezone(_zone(rep.timezone)).date()


def within_working_hours(rep: Rep, now: datetime) -> bool:
    if not rep.working_hours:
        return True
    local = now.astimezone(_zone(rep.timezone))
    hhmm = local.strftime("%H:%M")
    ranges = rep.working_hours.get(DAY_KEYS[local.weekday()], [])
    return any(start <= hhmm < end for start, end in ranges)


def exclusion(rep: Rep, *, now: datetime, excluded_rep_ids: set[int], daily_count: int) -> str | None:
    """Why this rep may not take a lead now, or None when eligible. The first reason found is reported."""
    if not rep.is_active:
        return Excluded.INACTIVE
    if rep.pk in excluded_rep_ids:
        return Excluded.ALREADY_ASSIGNED
    status = rep.effective_status(now)
    if status != RepStatus.AVAILABLE:
        return Excluded.OFFLINE if status == RepStatus.OFFLINE else Excluded.AWAY
    if not within_working_hours(rep, now):
        return Excluded.OUTSIDE_HOURS
    if rep.max_open_leads is not None and rep.open_leads >= rep.max_open_leads:
        return Excluded.AT_CAPACITY
    if rep.max_leads_per_day is not None and daily_count >= rep.max_leads_per_day:
        return Excluded.DAILY_CAP
    return None


def order_eligible(distribution: str, candidates: list[Candidate]) -> list[Candidate]:
    """The eligible candidates in the order the rule would use them: the next one first."""
    eligible = [c for c in candidates if c.eligible]
    position = {id(c): i for i, c in enumerate(eligible)}
    if distribution == Distribution.ORDERED:
        return eligible
    if distribution == Distribution.LEAST_LOADED:
        return sorted(eligible, key=lambda c: (c.rep.open_leads, _last(c), position[id(c)]))
    if distribution == Distribution.WEIGHTED:
        return weighted_sequence(eligible)
    return sorted(eligible, key=lambda c: (_last(c), position[id(c)]))


def _last(candidate: Candidate) -> tuple[int, int]:
    # Never assigned from this pool sorts first; then the one assigned longest ago (lowest turn number).
    seq = candidate.state.last_seq
    return (0, 0) if seq is None else (1, seq)


def weighted_sequence(eligible: list[Candidate]) -> list[Candidate]:
    """Smooth weighted round robin (nginx's): simulate picks from the stored running weights.

    Each pick adds every eligible rep's weight to its running weight, takes the highest, and subtracts the
    total from the winner. The first of the returned list is the real next pick; the rest is its preview.
    """
    weights = {id(c): c.state.current_weight for c in eligible}
    order: list[Candidate] = []
    remaining = list(eligible)
    while remaining:
        chosen = smooth_pick(remaining, weights)
        order.append(chosen)
        remaining = [c for c in remaining if c is not chosen]
    return order


def smooth_pick(eligible: list[Candidate], weights: dict[int, int]) -> Candidate:
    total = 0
    best = None
    for candidate in eligible:
        weights[id(candidate)] += candidate.rep.weight
        total += candidate.rep.weight
        if best is None or weights[id(candidate)] > weights[id(best)]:
            best = candidate
    weights[id(best)] -= total
    return best


def weights_after_pick(eligible: list[Candidate]) -> dict[int, int]:
    """Running weights per rep pk after one real pick among `eligible` (the first of the sequence)."""
    weights = {id(c): c.state.current_weight for c in eligible}
    smooth_pick(eligible, weights)
    return {c.rep.pk: weights[id(c)] for c in eligible}


_ZONES: dict[str, ZoneInfo] = {}


def _zone(name: str) -> ZoneInfo:
    zone = _ZONES.get(name)
    if zone is None:
        zone = _ZONES[name] = ZoneInfo(name)
    return zone
