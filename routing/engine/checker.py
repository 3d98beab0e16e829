"""Save-time checks of CEL condition text with the official library, plus our allow-list and regex checks."""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from .errors import ConditionError
from .nodes import Call, Const, Ident, ListLit, Node, Select, Unsupported
from .regex import RegexError, compile_regex
from .wire import CheckedExpr, SourceInfo, decode_checked_expr

MAX_CONDITION_LENGTH = 4000
_MAX_ERRORS_SHOWN = 3  # the first errors locate the problem; the rest are usually its echoes
VARIABLES = ("attributes", "lead_id")
# Operators and functions a condition may use; anything else the library knows (arithmetic, conversions,
# macros, string extensions) is rejected even though it would type-check.
ALLOWED_OPERATORS = frozenset(
    {"_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_", "@in", "_&&_", "_||_", "!_", "_?_:_", "_[_]"}
)
ALLOWED_FUNCTIONS = frozenset({"size", "contains", "startsWith", "endsWith", "matches", "lowerAscii"})
_ALLOWED_CONST_KINDS = frozenset({"null", "bool", "int", "double", "string"})
_LIBRARY_ERROR = re.compile(r"ERROR: <input>:(\d+:\d+): ([^\n]*)")
_STATUS_WORDS = re.compile(r"^[A-Z_]+: | \[[A-Z_]+\]$")
_MACRO_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*$")

_env = None


def library_env():
    """The library environment: attributes map(string, dyn), lead_id string, plus lowerAscii (strings ext)."""
    global _env
    if _env is None:
        from cel_expr_python import cel
        from cel_expr_python.ext import ext_strings

        variables = {"attributes": cel.Type.Map(cel.Type.STRING, cel.Type.DYN), "lead_id": cel.Type.STRING}
        _env = cel.NewEnv(variables=variables, extensions=[ext_strings.ExtStrings()])
    return _env


def check_condition(text: str) -> None:
    """Raise ConditionError (field "condition") unless `text` is a valid condition."""
    parse_condition(text)


def parse_condition(text: str) -> Node:
    """The checked expression tree of a valid condition; raises ConditionError."""
    if not isinstance(text, str):
        raise ConditionError("must be a string")
    return _parse_cached(text)


@lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Node:
    # Cached because the library compile costs ~100 µs and the same text recurs across ruleset versions.
    if len(text) > MAX_CONDITION_LENGTH:
        raise ConditionError(f"is longer than {MAX_CONDITION_LENGTH} characters")
    try:
        compiled = library_env().compile(text)
    except RuntimeError as exc:
        raise ConditionError(format_library_error(str(exc))) from None
    checked = decode_checked_expr(compiled.serialize())
    _Validator(text, checked.source_info).check(checked.expr)
    _check_result_type(compiled, checked)
    return checked.expr


def format_library_error(raw: str) -> str:
    """One line per library error: "1:14: Syntax error: ..." (dropping the status prefix and caret art)."""
    found = [f"{where}: {message.strip()}" for where, message in _LIBRARY_ERROR.findall(raw)]
    if len(found) > _MAX_ERRORS_SHOWN:
        found = [*found[:_MAX_ERRORS_SHOWN], f"and {len(found) - _MAX_ERRORS_SHOWN} more"]
    if found:
        return "; ".join(found)
    # Limits (nesting depth) come without a usable position; keep the "line:column: message" shape anyway.
    message = _STATUS_WORDS.sub("", raw.split("\n")[0]).removeprefix("ERROR: <input>:-1:-1: ").strip()
    return f"1:1: {message}"


def _check_result_type(compiled, checked: CheckedExpr) -> None:
    type_name = compiled.return_type().name()
    if type_name not in ("BOOL", "DYN"):
        where = line_column(checked.source_info, checked.expr.id)
        raise ConditionError(f"{where}: condition must be a boolean expression, not {type_name.lower()}")


def line_column(info: SourceInfo, expr_id: int) -> str:
    """ "line:column" (both 1-based, like the library's messages) of an expression id."""
    offset = info.positions.get(expr_id, 0)
    line = bisect_right(info.line_offsets, offset)
    start = info.line_offsets[line - 1] if line > 0 else 0
    return f"{line + 1}:{offset - start + 1}"


class _Validator:
    """Walks a checked tree and rejects anything outside the allowed subset, with its line:column."""

    def __init__(self, text: str, info: SourceInfo):
        self.text = text
        self.info = info

    def fail(self, node: Node, message: str):
        raise ConditionError(f"{line_column(self.info, node.id)}: {message}")

    def check(self, node: Node) -> None:
        if isinstance(node, Const):
            self.check_const(node)
        elif isinstance(node, Ident):
            if node.name not in VARIABLES:
                self.fail(node, f"unknown variable '{node.name}' (only attributes and lead_id exist)")
        elif isinstance(node, Select):
            self.check_field(node, node.field)
            self.check(node.operand)
        elif isinstance(node, ListLit):
            for element in node.elements:
                self.check(element)
        elif isinstance(node, Call):
            self.check_call(node)
        elif isinstance(node, Unsupported):
            self.fail(node, self.unsupported_message(node))

    def check_const(self, node: Const) -> None:
        if node.kind not in _ALLOWED_CONST_KINDS:
            self.fail(node, f"{node.kind} literals are not allowed")

    def check_field(self, node: Node, name: str) -> None:
        # Dunder names are refused outright: harmless for a dict lookup, but never a legitimate attribute.
        if len(name) > 4 and name.startswith("__") and name.endswith("__"):
            self.fail(node, f"field name '{name}' is not allowed")

    def check_call(self, node: Call) -> None:
        name = node.function
        if name not in ALLOWED_OPERATORS and name not in ALLOWED_FUNCTIONS:
            shown = name.strip("_").replace("_", " ") if name.startswith("_") or name.endswith("_") else name
            kind = "operator" if name != shown or name.startswith("@") else "function"
            self.fail(node, f"{kind} '{shown}' is not allowed")
        if name == "_[_]" and isinstance(node.args[1], Const) and node.args[1].kind == "string":
            self.check_field(node.args[1], node.args[1].value)
        if name == "matches":
            self.check_regex_literal(node)
        for child in (node.target, *node.args):
            if child is not None:
                self.check(child)

    def check_regex_literal(self, node: Call) -> None:
        pattern = node.args[-1]
        if isinstance(pattern, Const) and pattern.kind == "string":
            try:
                compile_regex(pattern.value)
            except RegexError as exc:
                self.fail(pattern, f"invalid regular expression {pattern.value!r}: {exc}")

    def unsupported_message(self, node: Unsupported) -> str:
        if node.kind == "comprehension":
            offset = self.info.positions.get(node.id, 0)
            found = _MACRO_NAME.search(self.text[:offset])
            name = found.group(1) if found else "comprehension"
            return f"function '{name}' (a macro) is not allowed"
        return f"{node.kind} is not allowed"
