"""Structured conditions (CaseXchange shape): validation keyed by position and translation to trees."""

from __future__ import annotations

import math

from .errors import ConditionErrors
from .nodes import Call, Const, Ident, ListLit, Node, Select, render_value
from .regex import RegexError, compile_regex

OPERATORS = (
    *("eq", "neq", "in", "not_in", "gt", "gte", "lt", "lte", "contains", "not_contains"),
    *("starts_with", "ends_with", "matches", "exists", "not_exists"),
)
_NO_VALUE = frozenset({"exists", "not_exists"})
_INT64 = range(-(1 << 63), 1 << 63)
_COMPARISONS = {"eq": "_==_", "neq": "_!=_", "gt": "_>_", "gte": "_>=_", "lt": "_<_", "lte": "_<=_"}
_NEGATIONS = {"neq": "eq", "not_in": "in", "not_contains": "contains", "not_exists": "exists"}


def check_structured(conditions: object) -> None:
    """Raise ConditionErrors holding every problem, keyed like "conditions[1].operator"."""
    errors = structured_errors(conditions)
    if errors:
        raise ConditionErrors(errors)


def structured_errors(conditions: object) -> dict[str, str]:
    if not isinstance(conditions, list):
        return {"conditions": "must be a list of {field, operator, value} objects"}
    errors: dict[str, str] = {}
    for index, item in enumerate(conditions):
        errors.update(_item_errors(f"conditions[{index}]", item))
    return errors


def _item_errors(key: str, item: object) -> dict[str, str]:
    if not isinstance(item, dict):
        return {key: "must be an object with field, operator and value"}
    errors = {}
    field_error = _field_error(item.get("field"))
    if field_error:
        errors[f"{key}.field"] = field_error
    operator = item.get("operator")
    if operator not in OPERATORS:
        shown = "is required" if operator is None else f"unknown operator {operator!r}"
        errors[f"{key}.operator"] = f"{shown}; expected one of {', '.join(OPERATORS)}"
        return errors
    value_error = _value_error(operator, item)
    if value_error:
        errors[f"{key}.value"] = value_error
    return errors


def field_path(field: str) -> tuple[str, ...]:
    """`address.country` or `attributes.address.country` -> ("address", "country")."""
    return tuple(field.removeprefix("attributes.").split("."))


def _field_error(field: object) -> str | None:
    if field is None:
        return "is required"
    if not isinstance(field, str) or not field.strip():
        return "must be a non-empty attribute path such as address.country"
    for part in field_path(field):
        if not part or part != part.strip():
            return f"{field!r} is not a valid attribute path (empty part or stray spaces)"
        if len(part) > 4 and part.startswith("__") and part.endswith("__"):
            return f"{part!r} is not an allowed attribute name"
    return None


def _is_scalar(value: object) -> bool:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return True
    if isinstance(value, int):
        return value in _INT64
    return isinstance(value, float) and math.isfinite(value)


def _is_number(value: object) -> bool:
    return _is_scalar(value) and isinstance(value, (int, float)) and not isinstance(value, bool)


def _value_error(operator: str, item: dict) -> str | None:
    value = item.get("value")
    if operator in _NO_VALUE:
        return None if value is None else f"{operator} takes no value"
    if "value" not in item:
        return "is required"
    base = _NEGATIONS.get(operator, operator)
    if base in ("eq", "contains") and not _is_scalar(value):
        return "must be a string, number, boolean or null (integers must fit in 64 bits)"
    if base == "in" and not (isinstance(value, list) and all(_is_scalar(v) for v in value)):
        return "must be a list of strings, numbers, booleans or nulls"
    if base in ("gt", "gte", "lt", "lte") and not (_is_number(value) or isinstance(value, str)):
        return "must be a number or a string"
    if base in ("starts_with", "ends_with", "matches") and not isinstance(value, str):
        return "must be a string"
    if base == "matches":
        try:
            compile_regex(value)
        except RegexError as exc:
            return f"invalid regular expression {value!r}: {exc}"
    return None


def structured_to_nodes(conditions: list) -> list[tuple[Node, str]]:
    """(tree, description) per condition of a list that passed check_structured."""
    return [(_condition_node(item), describe(item)) for item in conditions]


def describe(item: dict) -> str:
    operator = item["operator"]
    text = f"{'.'.join(field_path(item['field']))} {operator}"
    return text if operator in _NO_VALUE else f"{text} {render_value(item.get('value'))}"


def _const(value: object) -> Const:
    kinds = {str: "string", bool: "bool", int: "int", float: "double", type(None): "null"}
    return Const(value, kinds[type(value)])


def _path_node(path: tuple[str, ...]) -> Node:
    node: Node = Ident("attributes")
    for part in path:
        node = Select(node, part)
    return node


def _condition_node(item: dict) -> Node:
    operator = item["operator"]
    field = _path_node(field_path(item["field"]))
    value = item.get("value")
    if operator in _COMPARISONS:
        return Call(_COMPARISONS[operator], (field, _const(value)))
    base = _NEGATIONS.get(operator, operator)
    if base == "in":
        node: Node = Call("@in", (field, ListLit(tuple(_const(v) for v in value))))
    elif base == "contains":
        node = Call("@contains_any", (field, _const(value)))
    elif base == "exists":
        node = Call("@exists", (field,))
    else:
        function = {"starts_with": "startsWith", "ends_with": "endsWith", "matches": "matches"}[base]
        node = Call(function, (_const(value),), target=field)
    # not_in / not_contains / not_exists are the negation; an error (missing field) stays a no-match.
    return Call("!_", (node,)) if base != operator else node
