"""Compile an expression tree into Python closures `fn(attributes, lead_id) -> value` with CEL semantics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .nodes import Call, Const, Ident, ListLit, Node, Select, attribute_path, render, render_path
from .regex import RegexError, make_searcher
from .values import (
    ORDERINGS,
    SWAPPED,
    CelEvalError,
    cel_equals,
    cel_order,
    const_key,
    is_exact_key_value,
    key_of,
    no_overload,
    type_name,
)

# Errors are raised as CelEvalError (free when nothing goes wrong in Python 3.11) and caught once per
# conjunct by the matcher; values are returned unwrapped so the common path does no extra work.
Fn = Callable[[dict, str], Any]
MISSING = object()
_OTHER_KEY_TYPES = frozenset({int, float, bool})
_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}


def compile_node(node: Node) -> Fn:
    if isinstance(node, Const):
        return _constant(node.value)
    if isinstance(node, Ident):
        return _attributes if node.name == "attributes" else _lead_id
    if isinstance(node, Select):
        return _compile_select(node)
    if isinstance(node, ListLit):
        return _compile_list(node)
    if isinstance(node, Call):
        compiler = _CALLS.get(node.function)
        if compiler is not None:
            return compiler(node)
    # The checker rejects everything else before we get here; this only guards against misuse.
    raise ValueError(f"cannot compile {render(node)}")


def _constant(value: object) -> Fn:
    return lambda attributes, lead_id: value


def _attributes(attributes: dict, lead_id: str) -> dict:
    return attributes


def _lead_id(attributes: dict, lead_id: str) -> str:
    return lead_id


def _constant_value(node: Node) -> object:
    """The value of a literal (a constant or a list of constants), or MISSING."""
    if isinstance(node, Const):
        return node.value
    if isinstance(node, ListLit) and all(isinstance(element, Const) for element in node.elements):
        return [element.value for element in node.elements]
    return MISSING


# --- attribute access ---


def _compile_select(node: Select) -> Fn:
    if node.test_only:
        return _compile_has(node)
    path = attribute_path(node)
    if path is not None:
        return path_getter(path)
    operand, key = compile_node(node.operand), node.field
    missing = f"{render(node)} is missing"
    not_map = f"{render(node.operand)} is a {{}}, not a map, so it has no field '{key}'"

    def select(attributes: dict, lead_id: str) -> Any:
        value = operand(attributes, lead_id)
        if type(value) is not dict:
            raise CelEvalError(not_map.format(type_name(value)))
        try:
            return value[key]
        except KeyError:
            raise CelEvalError(missing) from None

    return select


def path_getter(path: tuple[str, ...]) -> Fn:
    """Read attributes.a.b...; a missing key or a non-map on the way is an error naming the path."""
    if len(path) == 1:
        return _single_key_getter(path[0])
    missing = [f"{render_path(path[: i + 1])} is missing" for i in range(len(path))]
    not_map = [f"{render_path(path[:i])} is a {{}}, not a map" for i in range(len(path))]
    steps = list(enumerate(path))

    def get_path(attributes: dict, lead_id: str) -> Any:
        value = attributes
        for i, key in steps:
            if type(value) is not dict:
                raise CelEvalError(not_map[i].format(type_name(value)))
            try:
                value = value[key]
            except KeyError:
                raise CelEvalError(missing[i]) from None
        return value

    return get_path


def _single_key_getter(key: str) -> Fn:
    missing = f"{render_path((key,))} is missing"

    def get_key(attributes: dict, lead_id: str) -> Any:
        try:
            return attributes[key]
        except KeyError:
            raise CelEvalError(missing) from None

    return get_key


def resolve_path(attributes: dict, path: tuple[str, ...]) -> object:
    """The value at a path, or MISSING; never raises (used by the index and by `exists`)."""
    value: object = attributes
    for key in path:
        if type(value) is not dict:
            return MISSING
        value = value.get(key, MISSING)
        if value is MISSING:
            return MISSING
    return value


def _compile_has(node: Select) -> Fn:
    operand, key = compile_node(node.operand), node.field
    not_map = f"has() needs a map but {render(node.operand)} is a {{}}"

    def has(attributes: dict, lead_id: str) -> bool:
        value = operand(attributes, lead_id)
        if type(value) is dict:
            return key in value
        raise CelEvalError(not_map.format(type_name(value)))

    return has


def _compile_exists(node: Call) -> Fn:
    """Structured `exists`: true when the whole path resolves, false (not an error) if any part is absent."""
    path = attribute_path(node.args[0])
    return lambda attributes, lead_id: resolve_path(attributes, path) is not MISSING


def _compile_index(node: Call) -> Fn:
    path = attribute_path(node)
    if path is not None:
        return path_getter(path)
    container, index = compile_node(node.args[0]), compile_node(node.args[1])
    where = render(node)

    def get_item(attributes: dict, lead_id: str) -> Any:
        value, key = container(attributes, lead_id), index(attributes, lead_id)
        if type(value) is list:
            return _list_item(value, key, where)
        if type(value) is dict:
            # JSON map keys are strings, so a key of any other type is simply absent (as in the library).
            if type(key) is str and key in value:
                return value[key]
            raise CelEvalError(f"{where} is missing")
        raise no_overload("[]", value, key)

    return get_item


def _list_item(items: list, key: object, where: str) -> Any:
    kind = type(key)
    if kind is float and key.is_integer():
        key = int(key)  # the library accepts a whole double as a list index
    elif kind is not int:
        raise CelEvalError(f"{where}: a list index must be an int, not {type_name(key)}")
    if 0 <= key < len(items):
        return items[key]
    raise CelEvalError(f"{where}: index {key} is out of range (size {len(items)})")


def _compile_list(node: ListLit) -> Fn:
    constant = _constant_value(node)
    if constant is not MISSING:
        return _constant(constant)
    elements = [compile_node(element) for element in node.elements]
    return lambda attributes, lead_id: [element(attributes, lead_id) for element in elements]


# --- equality and ordering ---


def _compile_equality(node: Call) -> Fn:
    negate = node.function == "_!=_"
    left, right = node.args
    for operand, constant in ((left, _constant_value(right)), (right, _constant_value(left))):
        if constant is not MISSING and not isinstance(constant, list):
            key = _single_key(operand)
            if type(constant) is str and key is not None:
                equals = _key_equals_string(key, constant)
            else:
                equals = _equals_constant(compile_node(operand), constant)
            return _negated(equals) if negate else equals
    left_fn, right_fn = compile_node(left), compile_node(right)
    if negate:
        return lambda attributes, lead_id: (
            not cel_equals(left_fn(attributes, lead_id), right_fn(attributes, lead_id))
        )
    return lambda attributes, lead_id: cel_equals(left_fn(attributes, lead_id), right_fn(attributes, lead_id))


def _single_key(node: Node) -> str | None:
    """The key of a one-level `attributes.X`, whose lookup we inline into the hottest closures."""
    path = attribute_path(node)
    return path[0] if path is not None and len(path) == 1 else None


def _key_equals_string(key: str, constant: str) -> Fn:
    """attributes.X == 'const' in one call: the single most common condition."""
    missing = f"{render_path((key,))} is missing"

    def key_equals_string(attributes: dict, lead_id: str) -> bool:
        try:
            return attributes[key] == constant
        except KeyError:
            raise CelEvalError(missing) from None

    return key_equals_string


def _negated(function: Fn) -> Fn:
    return lambda attributes, lead_id: not function(attributes, lead_id)


def _equals_constant(operand: Fn, constant: object) -> Fn:
    """x == constant, specialised on the constant's type (the common `attributes.country == 'UK'`)."""
    kind = type(constant)
    if kind is str:
        # Python's == already gives CEL's answer for a string against any JSON value.
        return lambda attributes, lead_id: operand(attributes, lead_id) == constant
    if kind is bool or constant is None:
        return lambda attributes, lead_id: operand(attributes, lead_id) is constant
    if kind is int or kind is float:
        return _equals_number(operand, constant)
    return lambda attributes, lead_id: cel_equals(operand(attributes, lead_id), constant)


def _equals_number(operand: Fn, constant: int | float) -> Fn:
    as_int = constant if type(constant) is int else None
    as_float = float(constant)

    def equals_number(attributes: dict, lead_id: str) -> bool:
        value = operand(attributes, lead_id)
        kind = type(value)
        if kind is float:
            return value == as_float
        if kind is int:
            # int against int is exact; int against a double constant compares as doubles, like CEL.
            return value == as_int if as_int is not None else float(value) == as_float
        return False

    return equals_number


def _compile_ordering(node: Call) -> Fn:
    symbol = node.function
    left, right = node.args
    for operand, constant, swapped in (
        (left, _constant_value(right), False),
        (right, _constant_value(left), True),
    ):
        if type(constant) in (int, float, str, bool):
            operator_name = SWAPPED[symbol] if swapped else symbol
            key = _single_key(operand)
            if key is not None and type(constant) in (int, float):
                return _key_order_number(key, operator_name, constant, swapped)
            return _order_constant(compile_node(operand), operator_name, constant, swapped)
    left_fn, right_fn = compile_node(left), compile_node(right)
    return lambda attributes, lead_id: cel_order(
        symbol, left_fn(attributes, lead_id), right_fn(attributes, lead_id)
    )


def _order_constant(operand: Fn, symbol: str, constant: object, swapped: bool) -> Fn:
    """operand <op> constant; `swapped` means the user wrote the constant first (for the error message)."""
    compare = ORDERINGS[symbol]
    shown = (SWAPPED[symbol] if swapped else symbol).strip("_")
    kind = type(constant)
    as_float = float(constant) if kind in (int, float) else None

    def fail(value: object) -> CelEvalError:
        return no_overload(shown, constant, value) if swapped else no_overload(shown, value, constant)

    if as_float is None:

        def order_same_type(attributes: dict, lead_id: str) -> bool:
            value = operand(attributes, lead_id)
            if type(value) is kind:
                return compare(value, constant)
            raise fail(value)

        return order_same_type

    def order_number(attributes: dict, lead_id: str) -> bool:
        value = operand(attributes, lead_id)
        value_kind = type(value)
        if value_kind is kind:
            return compare(value, constant)
        if value_kind is int or value_kind is float:
            return compare(float(value), as_float)
        raise fail(value)

    return order_number


def _key_order_number(key: str, symbol: str, constant: int | float, swapped: bool) -> Fn:
    """attributes.X > 5 in one call (the common range rule); same semantics as _order_constant."""
    compare = ORDERINGS[symbol]
    shown = (SWAPPED[symbol] if swapped else symbol).strip("_")
    kind, as_float = type(constant), float(constant)
    missing = f"{render_path((key,))} is missing"

    def key_order_number(attributes: dict, lead_id: str) -> bool:
        try:
            value = attributes[key]
        except KeyError:
            raise CelEvalError(missing) from None
        value_kind = type(value)
        if value_kind is kind:
            return compare(value, constant)
        if value_kind is int or value_kind is float:
            return compare(float(value), as_float)
        raise no_overload(shown, constant, value) if swapped else no_overload(shown, value, constant)

    return key_order_number


# --- membership ---


def _compile_in(node: Call) -> Fn:
    item, container = node.args
    item_fn = compile_node(item)
    constant = _constant_value(container)
    if isinstance(constant, list):
        return _in_constant_list(item_fn, constant)
    container_fn = compile_node(container)

    def member(attributes: dict, lead_id: str) -> bool:
        value, collection = item_fn(attributes, lead_id), container_fn(attributes, lead_id)
        return _contains(collection, value, "in")

    return member


def _contains(collection: object, value: object, symbol: str) -> bool:
    kind = type(collection)
    if kind is list:
        return any(cel_equals(value, element) for element in collection)
    if kind is dict:
        # JSON keys are strings, so other key types are simply absent; null, list and map are not keys at all.
        value_kind = type(value)
        if value_kind is str:
            return value in collection
        if value_kind in _OTHER_KEY_TYPES:
            return False
    raise no_overload(symbol, value, collection)


def _in_constant_list(item_fn: Fn, constants: list) -> Fn:
    keys = [const_key(constant) for constant in constants]
    if any(key is None for key in keys):
        return lambda attributes, lead_id: any(cel_equals(item_fn(attributes, lead_id), c) for c in constants)
    key_set = frozenset(keys)

    def member_of_constants(attributes: dict, lead_id: str) -> bool:
        value = item_fn(attributes, lead_id)
        if type(value) is str:
            return value in key_set
        if is_exact_key_value(value):
            return key_of(value) in key_set
        return any(cel_equals(value, constant) for constant in constants)

    return member_of_constants


def _compile_contains_any(node: Call) -> Fn:
    """Structured `contains`: a substring of a string field, or a member of a list field."""
    field_fn, needle = compile_node(node.args[0]), _constant_value(node.args[1])

    def contains_any(attributes: dict, lead_id: str) -> bool:
        value = field_fn(attributes, lead_id)
        if type(value) is str and type(needle) is str:
            return needle in value
        if type(value) is list:
            return any(cel_equals(needle, element) for element in value)
        raise no_overload("contains", value, needle)

    return contains_any


# --- logic ---


def _compile_logic(node: Call) -> Fn:
    """&& and || with CEL's error absorption: the deciding value wins over an error on the other side."""
    symbol = node.function.strip("_")
    decides = node.function == "_||_"  # the operand value that alone decides the result
    left, right = compile_node(node.args[0]), compile_node(node.args[1])

    def logic(attributes: dict, lead_id: str) -> bool:
        try:
            first = left(attributes, lead_id)
        except CelEvalError as exc:
            first = exc
        if first is decides:
            return decides
        try:
            second = right(attributes, lead_id)
        except CelEvalError as exc:
            second = exc
        if second is decides:
            return decides
        if type(first) is bool and type(second) is bool:
            return not decides
        raise _logic_error(symbol, first, second)

    return logic


def _logic_error(symbol: str, first: object, second: object) -> CelEvalError:
    for value in (first, second):
        if isinstance(value, CelEvalError):
            return value
    return no_overload(symbol, first, second)


def _compile_not(node: Call) -> Fn:
    operand = compile_node(node.args[0])

    def negate(attributes: dict, lead_id: str) -> bool:
        value = operand(attributes, lead_id)
        if value is True:
            return False
        if value is False:
            return True
        raise no_overload("!", value)

    return negate


def _compile_conditional(node: Call) -> Fn:
    condition, if_true, if_false = (compile_node(arg) for arg in node.args)

    def conditional(attributes: dict, lead_id: str) -> Any:
        value = condition(attributes, lead_id)
        if value is True:
            return if_true(attributes, lead_id)
        if value is False:
            return if_false(attributes, lead_id)
        raise no_overload("?:", value)

    return conditional


# --- functions ---


def _operands(node: Call) -> list[Fn]:
    """Receiver first for member calls (s.contains(x)), so global and member forms compile alike."""
    nodes = ([node.target] if node.target is not None else []) + list(node.args)
    return [compile_node(operand) for operand in nodes]


def _compile_size(node: Call) -> Fn:
    (operand,) = _operands(node)

    def size(attributes: dict, lead_id: str) -> int:
        value = operand(attributes, lead_id)
        if type(value) in (str, list, dict):
            return len(value)
        raise no_overload("size", value)

    return size


def _string_test(name: str, test: Callable[[str, str], bool]) -> Callable[[Call], Fn]:
    def compile_test(node: Call) -> Fn:
        subject, argument = _operands(node)

        def string_test(attributes: dict, lead_id: str) -> bool:
            value, other = subject(attributes, lead_id), argument(attributes, lead_id)
            if type(value) is str and type(other) is str:
                return test(value, other)
            raise no_overload(name, value, other)

        return string_test

    return compile_test


def _compile_matches(node: Call) -> Fn:
    subject, pattern_fn = _operands(node)
    pattern = _constant_value(node.args[-1])
    if type(pattern) is str:
        search = make_searcher(pattern)  # already proven to compile by the checker

        def matches_literal(attributes: dict, lead_id: str) -> bool:
            value = subject(attributes, lead_id)
            if type(value) is str:
                return search(value)
            raise no_overload("matches", value, pattern)

        return matches_literal

    def matches_dynamic(attributes: dict, lead_id: str) -> bool:
        value, regex = subject(attributes, lead_id), pattern_fn(attributes, lead_id)
        if type(value) is not str or type(regex) is not str:
            raise no_overload("matches", value, regex)
        try:
            return make_searcher(regex)(value)
        except RegexError as exc:
            raise CelEvalError(f"invalid regular expression {regex!r}: {exc}") from None

    return matches_dynamic


def _compile_lower_ascii(node: Call) -> Fn:
    (operand,) = _operands(node)

    def lower_ascii(attributes: dict, lead_id: str) -> str:
        value = operand(attributes, lead_id)
        if type(value) is not str:
            raise no_overload("lowerAscii", value)
        # str.lower() would also fold non-ASCII letters, which CEL's lowerAscii leaves alone.
        return value.lower() if value.isascii() else value.translate(_ASCII_LOWER)

    return lower_ascii


_CALLS: dict[str, Callable[[Call], Fn]] = {
    "_==_": _compile_equality,
    "_!=_": _compile_equality,
    "_<_": _compile_ordering,
    "_<=_": _compile_ordering,
    "_>_": _compile_ordering,
    "_>=_": _compile_ordering,
    "@in": _compile_in,
    "_&&_": _compile_logic,
    "_||_": _compile_logic,
    "!_": _compile_not,
    "_?_:_": _compile_conditional,
    "_[_]": _compile_index,
    "size": _compile_size,
    "contains": _string_test("contains", lambda value, other: other in value),
    "startsWith": _string_test("startsWith", str.startswith),
    "endsWith": _string_test("endsWith", str.endswith),
    "matches": _compile_matches,
    "lowerAscii": _compile_lower_ascii,
    "@contains_any": _compile_contains_any,
    "@exists": _compile_exists,
}
