"""Differential test: our closures and the official CEL library agree on random expressions and leads."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the engine must import without Django settings

from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from routing.engine import ConditionError, compile_rule_condition, library_env  # noqa: E402
from routing.engine.nodes import render_path, render_value  # noqa: E402

# ENGINE_DIFF_EXAMPLES=20000 for a long hunt; the default keeps the suite fast.
SETTINGS = settings(
    max_examples=int(os.environ.get("ENGINE_DIFF_EXAMPLES", "250")),
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
ALPHABET = "aAbB é😀"
REGEXES = ["a", "^a", "b$", "a|b", "[ab]+", "^$", "é", "(?i)A", "^.$"]

# --- activations: the kinds of JSON a lead's attributes hold ---

INTS = st.one_of(
    st.integers(-3, 3),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([2**53, 2**53 + 1, 2**63 - 1, -(2**63), 2**63, 2**64 - 1]),
)
FLOATS = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, -1.5, 2.5, 1e300, float(2**53), float(2**63), float("inf")]),
    st.floats(allow_nan=True, allow_infinity=True),
)
SCALARS = st.one_of(st.none(), st.booleans(), INTS, FLOATS, st.text(ALPHABET, max_size=3))
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["x", "y", "a"]), inner, max_size=3)
    ),
    max_leaves=6,
)
ATTRIBUTES = st.fixed_dictionaries(
    {},
    optional={
        "a": JSON,
        "b": JSON,
        "c-d": JSON,
        "m": st.dictionaries(st.sampled_from(["x", "y"]), JSON, max_size=2) | JSON,
        "l": st.lists(JSON, max_size=3) | JSON,
    },
)

# --- expressions: the allowed subset of CEL ---


def _string_literal(value: str, quote: str) -> str:
    return quote + value.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote


STRING_LITERALS = st.builds(_string_literal, st.text(ALPHABET + "'\"", max_size=3), st.sampled_from("'\""))
NUMBER_LITERALS = st.one_of(
    st.integers(-(2**63) + 1, 2**63 - 1).map(str),
    st.integers(-3, 3).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["1.0", "2.5", "-0.5", "0.0", "1e3", "9007199254740993", "9.007199254740992e15"]),
)
SCALAR_LITERALS = st.one_of(STRING_LITERALS, NUMBER_LITERALS, st.sampled_from(["true", "false", "null"]))
LIST_LITERALS = st.lists(SCALAR_LITERALS, max_size=3).map(lambda items: "[" + ", ".join(items) + "]")
REFERENCES = st.sampled_from(
    [
        "attributes.a",
        "attributes.b",
        "attributes['c-d']",
        'attributes["a"]',
        "attributes.m",
        "attributes.m.x",
        "attributes.m['y']",
        "attributes.l",
        "attributes.l[0]",
        "attributes.l[1]",
        "attributes.l[attributes.a]",
        "attributes[attributes.b]",
        "lead_id",
        "attributes",
    ]
)
LITERALS = st.one_of(SCALAR_LITERALS, LIST_LITERALS)
# Functions are applied to references (dyn) so the library's type check passes most of the time.
SUBJECTS = st.one_of(
    REFERENCES,
    REFERENCES,
    REFERENCES.map(lambda v: f"size({v})"),
    REFERENCES.map(lambda v: f"{v}.size()"),
    REFERENCES.map(lambda v: f"{v}.lowerAscii()"),
)
OPERANDS = st.one_of(SUBJECTS, SUBJECTS, LITERALS)
PAIRS = st.one_of(st.tuples(SUBJECTS, OPERANDS), st.tuples(OPERANDS, SUBJECTS))
LEAF_CONDITIONS = st.one_of(
    st.tuples(PAIRS, st.sampled_from(["==", "!=", "<", "<=", ">", ">="])).map(
        lambda p: f"{p[0][0]} {p[1]} {p[0][1]}"
    ),
    PAIRS.map(lambda p: f"{p[0]} in {p[1]}"),
    st.tuples(SUBJECTS, LIST_LITERALS).map(lambda p: f"{p[0]} in {p[1]}"),
    st.sampled_from(["has(attributes.a)", "has(attributes.m.x)", "has(attributes.l.x)", "has(attributes.m)"]),
    st.tuples(PAIRS, st.sampled_from(["contains", "startsWith", "endsWith"])).map(
        lambda p: f"{p[0][0]}.{p[1]}({p[0][1]})"
    ),
    st.tuples(SUBJECTS, st.sampled_from(REGEXES)).map(lambda p: f"{p[0]}.matches('{p[1]}')"),
    st.tuples(SUBJECTS, st.sampled_from(REGEXES)).map(lambda p: f"matches({p[0]}, '{p[1]}')"),
    st.tuples(SUBJECTS, SUBJECTS).map(lambda p: f"{p[0]}.matches({p[1]})"),
    REFERENCES,
    st.sampled_from(["true", "false"]),
)


def _combine(conditions):
    return st.one_of(
        conditions.map(lambda c: f"!({c})"),
        st.tuples(conditions, conditions).map(lambda p: f"({p[0]}) && ({p[1]})"),
        st.tuples(conditions, conditions).map(lambda p: f"({p[0]}) || ({p[1]})"),
        st.tuples(conditions, conditions, conditions).map(lambda p: f"({p[0]}) ? ({p[1]}) : ({p[2]})"),
        st.tuples(conditions, REFERENCES, OPERANDS).map(lambda p: f"(({p[0]}) ? {p[1]} : {p[2]}) == {p[2]}"),
    )


CONDITIONS = st.recursive(LEAF_CONDITIONS, _combine, max_leaves=5)


def _library_matches(text: str, attributes: dict, lead_id: str) -> bool | None:
    """True/False as the library decides (errors are no-match), None if it refuses the expression."""
    try:
        expression = library_env().compile(text)
    except RuntimeError:
        return None
    if expression.return_type().name() not in ("BOOL", "DYN"):
        return None
    result = expression.eval(data={"attributes": attributes, "lead_id": lead_id})
    return result.type().name() == "BOOL" and result.value() is True


@SETTINGS
@given(CONDITIONS, ATTRIBUTES, st.text(ALPHABET, max_size=3))
def test_closures_agree_with_the_library(text, attributes, lead_id):
    expected = _library_matches(text, attributes, lead_id)
    assume(expected is not None)
    try:
        matcher = compile_rule_condition(text, None)
    except ConditionError as exc:  # pragma: no cover - shown only on failure
        raise AssertionError(f"library accepts {text!r} but we reject it: {exc.message}") from None
    matched, reason = matcher(attributes, lead_id)
    assert matched is expected, f"{text!r} on {attributes!r}: ours {matched} ({reason}), library {expected}"


# --- structured conditions: those with a CEL equivalent must agree with the library on that text ---

_CEL_OPERATORS = {"eq": "==", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
STRUCTURED_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63) + 1, 2**63 - 1),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(ALPHABET, max_size=3),
)
STRUCTURED_ITEMS = st.one_of(
    st.builds(
        lambda field, operator, value: {"field": field, "operator": operator, "value": value},
        st.sampled_from(["a", "b", "c-d", "m.x", "attributes.a"]),
        st.sampled_from(["eq", "neq"]),
        STRUCTURED_SCALARS,
    ),
    st.builds(
        lambda field, operator, value: {"field": field, "operator": operator, "value": value},
        st.sampled_from(["a", "b", "c-d", "m.x"]),
        st.sampled_from(["gt", "gte", "lt", "lte"]),
        STRUCTURED_SCALARS.filter(lambda value: type(value) in (int, float, str)),
    ),
    st.builds(
        lambda field, operator, value: {"field": field, "operator": operator, "value": value},
        st.sampled_from(["a", "b", "m.x"]),
        st.sampled_from(["in", "not_in"]),
        st.lists(STRUCTURED_SCALARS, max_size=3),
    ),
    st.builds(
        lambda field, operator, value: {"field": field, "operator": operator, "value": value},
        st.sampled_from(["a", "b", "m.x"]),
        st.sampled_from(["starts_with", "ends_with", "matches"]),
        st.sampled_from(["a", "", "é", "^a", "b$"]),
    ),
)


def _structured_as_cel(item: dict) -> str:
    path = render_path(tuple(item["field"].removeprefix("attributes.").split(".")))
    operator, value = item["operator"], render_value(item["value"])
    if operator in _CEL_OPERATORS:
        return f"{path} {_CEL_OPERATORS[operator]} {value}"
    if operator in ("in", "not_in"):
        return f"{'!' if operator == 'not_in' else ''}({path} in {value})"
    function = {"starts_with": "startsWith", "ends_with": "endsWith", "matches": "matches"}[operator]
    return f"{path}.{function}({value})"


@settings(SETTINGS, max_examples=max(SETTINGS.max_examples // 2, 1))
@given(st.lists(STRUCTURED_ITEMS, min_size=1, max_size=3), ATTRIBUTES)
def test_structured_conditions_agree_with_the_library(conditions, attributes):
    text = " && ".join(f"({_structured_as_cel(item)})" for item in conditions)
    expected = _library_matches(text, attributes, "lead-1")
    assume(expected is not None)
    matched, reason = compile_rule_condition(None, conditions)(attributes, "lead-1")
    assert matched is expected, f"{conditions!r} ({text}) on {attributes!r}: ours {matched} ({reason})"
