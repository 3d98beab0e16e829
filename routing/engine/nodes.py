"""The expression tree shared by CEL text and structured conditions, and its rendering back to CEL text."""

from __future__ import annotations

from dataclasses import dataclass

# CEL operator functions as the parser names them, with the text shown to users.
BINARY_OPERATORS = {
    "_==_": "==",
    "_!=_": "!=",
    "_<_": "<",
    "_<=_": "<=",
    "_>_": ">",
    "_>=_": ">=",
    "@in": "in",
    "_&&_": "&&",
    "_||_": "||",
}
# Higher binds tighter; used only to decide where rendering needs parentheses.
_PRECEDENCE = {"_?_:_": 1, "_||_": 2, "_&&_": 3, "!_": 5}
_RELATION_PRECEDENCE = 4
_TIGHTEST = 9


@dataclass(frozen=True, slots=True)
class Const:
    value: object
    kind: str  # null, bool, int, uint, double, string, bytes: uint and bytes exist only to be rejected
    id: int = 0  # the library's expression id (0 for trees built from structured conditions)


@dataclass(frozen=True, slots=True)
class Ident:
    name: str
    id: int = 0


@dataclass(frozen=True, slots=True)
class Select:
    operand: Node
    field: str
    test_only: bool = False  # True for has(operand.field)
    id: int = 0


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    args: tuple[Node, ...]
    target: Node | None = None  # the receiver of a member call: target.function(args)
    id: int = 0


@dataclass(frozen=True, slots=True)
class ListLit:
    elements: tuple[Node, ...]
    id: int = 0


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A construct outside the allowed subset (map literal, macro); kept so the checker can report it."""

    kind: str
    id: int = 0


Node = Const | Ident | Select | Call | ListLit | Unsupported


def attribute_path(node: Node) -> tuple[str, ...] | None:
    """The keys of `attributes.a.b` / `attributes['a']['b']`, or None if the node is not such a path."""
    keys: list[str] = []
    while True:
        if isinstance(node, Select) and not node.test_only:
            keys.append(node.field)
            node = node.operand
        elif (
            isinstance(node, Call)
            and node.function == "_[_]"
            and isinstance(node.args[1], Const)
            and node.args[1].kind == "string"
        ):
            keys.append(node.args[1].value)
            node = node.args[0]
        elif isinstance(node, Ident) and node.name == "attributes":
            return tuple(reversed(keys))
        else:
            return None


def conjuncts(node: Node) -> list[Node]:
    """The operands of a top-level `a && b && c` chain (the node itself if it is not one)."""
    if isinstance(node, Call) and node.function == "_&&_":
        return [part for arg in node.args for part in conjuncts(arg)]
    return [node]


def render_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
    return f"'{escaped}'"


def render_value(value: object) -> str:
    """A JSON-ish value written as a CEL literal."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return render_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(render_value(item) for item in value) + "]"
    return repr(value)


def render_path(keys: tuple[str, ...] | list[str]) -> str:
    parts = ["attributes"]
    for key in keys:
        parts.append(f".{key}" if key.isidentifier() else f"[{render_string(key)}]")
    return "".join(parts)


def render(node: Node) -> str:
    """CEL text for a node (used in trace reasons, so it only needs to be readable and unambiguous)."""
    text, _ = _render(node)
    return text


def _render(node: Node) -> tuple[str, int]:
    if isinstance(node, Const):
        return render_value(node.value), _TIGHTEST
    if isinstance(node, Ident):
        return node.name, _TIGHTEST
    if isinstance(node, Select):
        return _render_select(node), _TIGHTEST
    if isinstance(node, ListLit):
        return "[" + ", ".join(render(element) for element in node.elements) + "]", _TIGHTEST
    if isinstance(node, Call):
        return _render_call(node)
    return f"<{node.kind}>", _TIGHTEST


def _render_select(node: Select) -> str:
    inner = _wrap(node.operand, _TIGHTEST)
    field = f".{node.field}" if node.field.isidentifier() else f"[{render_string(node.field)}]"
    return f"has({inner}{field})" if node.test_only else inner + field


def _render_call(node: Call) -> tuple[str, int]:
    function, args = node.function, node.args
    if function in BINARY_OPERATORS:
        level = _PRECEDENCE.get(function, _RELATION_PRECEDENCE)
        # Relations do not chain in CEL, so both sides of a relation need to bind tighter.
        child = level + 1 if level == _RELATION_PRECEDENCE else level
        left, right = _wrap(args[0], child), _wrap(args[1], child)
        return f"{left} {BINARY_OPERATORS[function]} {right}", level
    if function == "!_":
        return "!" + _wrap(args[0], _TIGHTEST), _PRECEDENCE["!_"]
    if function == "_?_:_":
        cond, yes, no = (_wrap(arg, 2) for arg in args)
        return f"{cond} ? {yes} : {no}", 1
    if function == "_[_]":
        return f"{_wrap(args[0], _TIGHTEST)}[{render(args[1])}]", _TIGHTEST
    if function == "@contains_any":
        return f"{_wrap(args[0], _TIGHTEST)}.contains({render(args[1])})", _TIGHTEST
    if function == "@exists":
        return f"has({render(args[0])})", _TIGHTEST
    rendered_args = ", ".join(render(arg) for arg in args)
    if node.target is not None:
        return f"{_wrap(node.target, _TIGHTEST)}.{function}({rendered_args})", _TIGHTEST
    return f"{function}({rendered_args})", _TIGHTEST


def _wrap(node: Node, minimum: int) -> str:
    text, level = _render(node)
    return text if level >= minimum else f"({text})"
