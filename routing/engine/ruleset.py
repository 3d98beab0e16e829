"""A ruleset compiled once per version: rules in (tier, priority) order behind an equality index."""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from itertools import repeat
from operator import call

from .compiler import MISSING, resolve_path
from .conditions import IndexEntry, compile_condition
from .errors import ConditionError
from .values import lookup_keys


@dataclass(frozen=True, slots=True)
class RuleSpec:
    key: Hashable  # opaque to the engine: the caller's rule id, unique within a ruleset
    tier: int = 0
    priority: int = 0
    is_active: bool = True
    condition: str | None = None
    conditions: list | None = field(default=None, hash=False)


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    key: Hashable
    matched: bool
    reason: str


class _Scope:
    """The rules of one tier (or of all tiers), in order, with buckets for indexable rules."""

    def __init__(self, rules: list[tuple[RuleSpec, object, IndexEntry | None]]):
        self.matchers = [match for _, match, _ in rules]
        self.positions = {spec.key: position for position, (spec, _, _) in enumerate(rules)}
        self.size = len(rules)
        self.unindexed: list[int] = []
        self.buckets: dict[tuple[str, ...], dict[object, list[int]]] = {}
        for position, (_, _, entry) in enumerate(rules):
            if entry is None:
                self.unindexed.append(position)
                continue
            by_key = self.buckets.setdefault(entry.path, {})
            for key in entry.keys:
                by_key.setdefault(key, []).append(position)
        # (key, None) for one-level paths, read with a plain dict.get; (None, path) for nested ones.
        self.paths = [
            (path[0], None, by_key) if len(path) == 1 else (None, path, by_key)
            for path, by_key in self.buckets.items()
        ]

    def candidates(self, attributes: dict) -> list[list[int]]:
        """Sorted position lists that together hold every rule that could match this lead."""
        lists = [self.unindexed] if self.unindexed else []
        for key, path, by_key in self.paths:
            value = attributes.get(key, MISSING) if path is None else resolve_path(attributes, path)
            if type(value) is str:  # the common case: one bucket lookup
                found = by_key.get(value)
                if found is not None:
                    lists.append(found)
                continue
            found = [by_key[k] for k in lookup_keys(value) if k in by_key]
            if len(found) > 1:
                found = [list(dict.fromkeys(heapq.merge(*found)))]  # one rule may sit under both keys
            lists.extend(found)
        return lists


class RulesetEvaluation:
    """Iterator over the outcomes of the rules actually evaluated for one lead, lazily and in order.

    `pruned_count` is how many rules in scope the index skipped for this lead (known before iterating);
    `skipped_before(outcome)` is how many of those were ordered before that outcome's rule.
    """

    __slots__ = ("_scope", "_lists", "_outcomes")

    def __init__(self, scope: _Scope, lists: list[list[int]] | None, attributes: dict, lead_id: str):
        self._scope, self._lists = scope, lists
        if lists is None:
            matchers = scope.matchers
        elif len(lists) == 1:
            matchers = map(scope.matchers.__getitem__, lists[0])
        else:
            matchers = map(scope.matchers.__getitem__, heapq.merge(*lists))
        # map() keeps the per-rule loop in C: each step is just the rule's own matcher call.
        self._outcomes = map(call, matchers, repeat(attributes), repeat(lead_id))

    @property
    def pruned_count(self) -> int:
        return 0 if self._lists is None else self._scope.size - sum(map(len, self._lists))

    def skipped_before(self, outcome: RuleOutcome) -> int:
        if self._lists is None:
            return 0
        position = self._scope.positions[outcome.key]
        evaluated = sum(bisect_right(candidates, position) for candidates in self._lists)
        return position + 1 - evaluated

    def __iter__(self) -> Iterator[RuleOutcome]:
        return self._outcomes

    def __next__(self) -> RuleOutcome:
        return next(self._outcomes)


class CompiledRuleset:
    """Build once per ruleset version and cache; `evaluate` is then safe to call concurrently.

    Active rules are ordered by (tier, priority, input order). A rule whose condition fails to compile
    (it should have been rejected at save time) never matches and its error is kept in `errors`.
    """

    def __init__(self, specs: Iterable[RuleSpec]):
        ordered = sorted(
            ((spec.tier, spec.priority, i), spec) for i, spec in enumerate(specs) if spec.is_active
        )
        self.errors: dict[Hashable, ConditionError] = {}
        self._rules = [self._compile(spec) for _, spec in ordered]
        self._scopes: dict[int | None, _Scope] = {}

    def __len__(self) -> int:
        return len(self._rules)

    def _compile(self, spec: RuleSpec) -> tuple[RuleSpec, object, IndexEntry | None]:
        outcome = partial(RuleOutcome, spec.key)
        try:
            compiled = compile_condition(spec.condition, spec.conditions)
        except ConditionError as exc:
            self.errors[spec.key] = exc
            failed = outcome(False, f"condition is invalid: {exc.message}")
            return spec, lambda attributes, lead_id: failed, None
        return spec, compiled.matcher(outcome), compiled.index

    def _scope(self, tier: int | None) -> _Scope:
        scope = self._scopes.get(tier)
        if scope is None:
            rules = [rule for rule in self._rules if tier is None or rule[0].tier == tier]
            # Racing threads may both build it; the results are identical, so last write wins harmlessly.
            scope = self._scopes[tier] = _Scope(rules)
        return scope

    def evaluate(
        self, attributes: Mapping, lead_id: str, tier: int | None = None, use_index: bool = True
    ) -> RulesetEvaluation:
        """Outcomes of the rules evaluated for this lead, in order; stop iterating once you have a winner.

        `use_index=False` evaluates every rule in scope (a plain scan), for tests and benchmarks.
        """
        if type(attributes) is not dict:
            attributes = dict(attributes) if isinstance(attributes, Mapping) else {}
        if type(lead_id) is not str:
            lead_id = str(lead_id)
        scope = self._scopes.get(tier) or self._scope(tier)
        candidates = scope.candidates(attributes) if use_index else None
        return RulesetEvaluation(scope, candidates, attributes, lead_id)
