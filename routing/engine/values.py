"""CEL semantics over JSON values: type names, heterogeneous equality, ordering and evaluation errors."""

from __future__ import annotations

import operator
from collections.abc import Callable

# JSON gives Python None, bool, int, float, str, list and dict; CEL calls them null, bool, int (uint from
# 2**63 up), double, string, list and map. Type checks use `type(x) is ...` because bool is an int in Python
# but not in CEL (`true == 1` is false there).
_UINT_START = 1 << 63
_EXACT_FLOAT_INT = 1 << 53  # ints up to this size are exact as doubles, so Python's == agrees with CEL's
NUMBER_TYPES = frozenset({int, float})
ORDERED_TYPES = frozenset({int, float, str, bool})
_TYPE_NAMES = {type(None): "null", bool: "bool", int: "int", float: "double", str: "string", list: "list"}
_TYPE_NAMES[dict] = "map"

ORDERINGS: dict[str, Callable[[object, object], bool]] = {
    "_<_": operator.lt,
    "_<=_": operator.le,
    "_>_": operator.gt,
    "_>=_": operator.ge,
}
# The ordering that holds when the operands are swapped: a < b is b > a.
SWAPPED = {"_<_": "_>_", "_<=_": "_>=_", "_>_": "_<_", "_>=_": "_<=_", "_==_": "_==_", "_!=_": "_!=_"}


class CelEvalError(Exception):
    """An error while evaluating: the rule does not match and `reason` is shown in the trace."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def type_name(value: object) -> str:
    kind = type(value)
    if kind is int and value >= _UINT_START:
        return "uint"
    return _TYPE_NAMES.get(kind, kind.__name__)


def no_overload(symbol: str, *operands: object) -> CelEvalError:
    kinds = " and ".join(type_name(operand) for operand in operands)
    return CelEvalError(f"no matching overload for '{symbol}' on {kinds}")


def cel_equals(left: object, right: object) -> bool:
    """CEL heterogeneous equality: never an error; numbers compare across int/double, other types differ."""
    left_type, right_type = type(left), type(right)
    if left_type is right_type:
        if left_type is list:
            return len(left) == len(right) and all(map(cel_equals, left, right))
        if left_type is dict:
            return len(left) == len(right) and all(
                key in right and cel_equals(value, right[key]) for key, value in left.items()
            )
        return left == right
    if left_type in NUMBER_TYPES and right_type in NUMBER_TYPES:
        return float(left) == float(right)  # CEL compares int with double as doubles
    return False


def cel_order(symbol: str, left: object, right: object) -> bool:
    """CEL <, <=, >, >=: same-type int/double/string/bool, or int against double; otherwise an error."""
    compare = ORDERINGS[symbol]
    left_type, right_type = type(left), type(right)
    if left_type is right_type and left_type in ORDERED_TYPES:
        return compare(left, right)
    if left_type in NUMBER_TYPES and right_type in NUMBER_TYPES:
        return compare(float(left), float(right))
    raise no_overload(symbol.strip("_"), left, right)


# --- hashable keys with CEL equality, for the rule index and for `x in [constants]` ---

_NULL_KEY = ("\0null",)
_BOOL_KEYS = {True: ("\0bool", True), False: ("\0bool", False)}  # so True and 1 land in different buckets


def const_key(value: object) -> object | None:
    """A dict key equal (by Python ==) exactly when CEL says ==, or None when no such key is safe."""
    kind = type(value)
    if kind is str:
        return value
    if kind is int:
        return value if -_EXACT_FLOAT_INT <= value <= _EXACT_FLOAT_INT else None
    if kind is float:
        return value if value == value else None  # NaN equals nothing
    if kind is bool:
        return _BOOL_KEYS[value]
    if value is None:
        return _NULL_KEY
    return None


def lookup_keys(value: object) -> tuple:
    """Keys under which rules whose constant may equal `value` were filed (a superset is fine)."""
    kind = type(value)
    if kind is str or kind is float:
        return (value,)
    if kind is int:
        if -_EXACT_FLOAT_INT <= value <= _EXACT_FLOAT_INT:
            return (value,)
        try:
            return (value, float(value))  # CEL rounds a large int to double when comparing with a double
        except OverflowError:
            return (value,)
    if kind is bool:
        return (_BOOL_KEYS[value],)
    if value is None:
        return (_NULL_KEY,)
    return ()


def is_exact_key_value(value: object) -> bool:
    """Whether set membership by const_key gives the CEL answer for this runtime value."""
    kind = type(value)
    if kind is int:
        return -_EXACT_FLOAT_INT <= value <= _EXACT_FLOAT_INT
    return kind in (str, float, bool) or value is None


def key_of(value: object) -> object:
    """The key of a runtime value for which is_exact_key_value holds."""
    kind = type(value)
    if kind is bool:
        return _BOOL_KEYS[value]
    if value is None:
        return _NULL_KEY
    return value
