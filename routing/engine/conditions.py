"""Compile a rule's condition (CEL text, structured list, or none) into a matcher that never raises."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from .checker import parse_condition
from .compiler import Fn, compile_node
from .errors import ConditionError
from .nodes import Call, Const, ListLit, Node, attribute_path, conjuncts, render
from .structured import check_structured, structured_to_nodes
from .values import CelEvalError, const_key, type_name

Result = TypeVar("Result")
MAX_REASON = 120
CATCH_ALL_REASON = "no condition (catch-all)"


@dataclass(frozen=True)
class IndexEntry:
    """The rule can only match when the value at `path` equals (CEL ==) one of the constants behind `keys`."""

    path: tuple[str, ...]
    keys: frozenset


@dataclass(frozen=True)
class CompiledCondition:
    """Conjuncts to evaluate in order, each with the text shown when it is false, plus its index entry."""

    parts: tuple[tuple[Fn, str], ...]
    matched_reason: str
    index: IndexEntry | None

    def matcher(self, result: Callable[[bool, str], Result]) -> Callable[[dict, str], Result]:
        return build_matcher(self, result)


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


def compile_condition(condition: str | None, conditions: list | None) -> CompiledCondition:
    """Check and compile; raises ConditionError (ConditionErrors for several structured problems)."""
    if condition is not None and not isinstance(condition, str):
        raise ConditionError("must be a string")
    has_text = condition is not None and condition.strip() != ""
    has_list = bool(conditions)
    if has_text and has_list:
        raise ConditionError("give either condition or conditions, not both")
    if has_text:
        nodes = conjuncts(parse_condition(condition))
        parts = [(compile_node(node), _shorten(f"{render(node)} is false")) for node in nodes]
        return CompiledCondition(tuple(parts), "condition is true", find_index_entry(nodes))
    if has_list:
        check_structured(conditions)
        described = structured_to_nodes(conditions)
        parts = [
            (compile_node(node), _shorten(f"conditions[{i}] is false: {text}"))
            for i, (node, text) in enumerate(described)
        ]
        index = find_index_entry([node for node, _ in described])
        return CompiledCondition(tuple(parts), "all conditions are true", index)
    if conditions is not None and not isinstance(conditions, list):
        check_structured(conditions)  # raises: wrong shape
    return CompiledCondition((), CATCH_ALL_REASON, None)


def compile_rule_condition(condition: str | None, conditions: list | None) -> Callable[[dict, str], tuple]:
    """A function (attributes, lead_id) -> (matched, reason). Raises ConditionError only here, at compile."""
    return compile_condition(condition, conditions).matcher(lambda matched, reason: (matched, reason))


def build_matcher(compiled: CompiledCondition, result: Callable[[bool, str], Result]):
    """Evaluate conjuncts in order and stop at the first that is not true; results are pre-built per rule."""
    matched = result(True, compiled.matched_reason)
    parts = tuple((function, result(False, reason)) for function, reason in compiled.parts)
    error_results: dict[str, Result] = {}

    def failed(reason: str) -> Result:
        # Error reasons are mostly pre-formatted strings, so caching their results avoids an allocation.
        cached = error_results.get(reason)
        if cached is None:
            cached = result(False, reason)
            if len(error_results) < 32:
                error_results[reason] = cached
        return cached

    if len(parts) == 1:
        return _single_part_matcher(parts[0], matched, failed)

    def match(attributes: dict, lead_id: str) -> Result:
        for function, false_result in parts:
            try:
                value = function(attributes, lead_id)
            except CelEvalError as exc:
                return failed(exc.reason)
            except Exception as exc:  # noqa: BLE001 - a bug or odd input must cost one rule, not the routing call
                return failed(f"evaluation failed: {type(exc).__name__}: {exc}")
            if value is not True:
                if value is False:
                    return false_result
                return failed(f"condition evaluated to a {type_name(value)}, not a bool")
        return matched

    return match


def _single_part_matcher(part: tuple, matched: Result, failed: Callable[[str], Result]):
    """The loop-free matcher for the usual one-conjunct condition (same behaviour as the general one)."""
    function, false_result = part

    def match_one(attributes: dict, lead_id: str) -> Result:
        try:
            value = function(attributes, lead_id)
        except CelEvalError as exc:
            return failed(exc.reason)
        except Exception as exc:  # noqa: BLE001 - a bug or odd input must cost one rule, not the routing call
            return failed(f"evaluation failed: {type(exc).__name__}: {exc}")
        if value is True:
            return matched
        if value is False:
            return false_result
        return failed(f"condition evaluated to a {type_name(value)}, not a bool")

    return match_one


def find_index_entry(nodes: list[Node]) -> IndexEntry | None:
    """The first conjunct of the form attributes.X == constant or attributes.X in [constants]."""
    for node in nodes:
        entry = _index_entry(node)
        if entry is not None:
            return entry
    return None


def _index_entry(node: Node) -> IndexEntry | None:
    if not isinstance(node, Call):
        return None
    if node.function == "_==_":
        for side, other in (node.args, reversed(node.args)):
            path = attribute_path(side)
            if path is not None and isinstance(other, Const):
                return _entry(path, [other])
    if node.function == "@in" and isinstance(node.args[1], ListLit):
        path = attribute_path(node.args[0])
        elements = node.args[1].elements
        if path is not None and all(isinstance(element, Const) for element in elements):
            return _entry(path, elements)
    return None


def _entry(path: tuple[str, ...], constants) -> IndexEntry | None:
    keys = [const_key(constant.value) for constant in constants]
    if any(key is None for key in keys):
        return None  # e.g. a huge int whose CEL equality Python's hashing cannot reproduce
    return IndexEntry(path, frozenset(keys))
