"""Structured conditions: every operator, field paths, and validation errors keyed by position."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the engine must import without Django settings

import pytest  # noqa: E402

from routing.engine import (  # noqa: E402
    STRUCTURED_OPERATORS,
    ConditionError,
    ConditionErrors,
    check_structured,
    compile_rule_condition,
    structured_errors,
)

LEAD = {
    "caseType": "Personal Injury",
    "jurisdiction": "NY",
    "amount": 25000,
    "rating": 4.5,
    "urgent": True,
    "notes": "client injured at work",
    "languages": ["en", "es", 7],
    "address": {"country": "US", "state": "NY"},
    "empty": None,
}


def evaluate(conditions: list, attributes: dict | None = None) -> tuple[bool, str]:
    return compile_rule_condition(None, conditions)(LEAD if attributes is None else attributes, "lead-1")


def matches(field: str, operator: str, value=None, attributes: dict | None = None) -> bool:
    condition = {"field": field, "operator": operator}
    if operator not in ("exists", "not_exists"):
        condition["value"] = value
    return evaluate([condition], attributes)[0]


def test_casexchange_example_matches():
    conditions = [
        {"field": "caseType", "operator": "in", "value": ["Personal Injury"]},
        {"field": "jurisdiction", "operator": "eq", "value": "NY"},
    ]
    assert evaluate(conditions) == (True, "all conditions are true")


def test_casexchange_example_reports_the_failing_condition():
    conditions = [
        {"field": "caseType", "operator": "in", "value": ["Personal Injury"]},
        {"field": "jurisdiction", "operator": "eq", "value": "NY"},
    ]
    assert evaluate(conditions, {**LEAD, "jurisdiction": "CA"}) == (
        False,
        "conditions[1] is false: jurisdiction eq 'NY'",
    )


OPERATOR_CASES = [
    ("jurisdiction", "eq", "NY", True),
    ("jurisdiction", "eq", "CA", False),
    ("amount", "eq", 25000.0, True),
    ("urgent", "eq", 1, False),
    ("urgent", "eq", True, True),
    ("empty", "eq", None, True),
    ("jurisdiction", "neq", "CA", True),
    ("jurisdiction", "neq", "NY", False),
    ("caseType", "in", ["Personal Injury", "Family"], True),
    ("caseType", "in", ["Family"], False),
    ("amount", "in", [1, 25000], True),
    ("caseType", "not_in", ["Family"], True),
    ("caseType", "not_in", ["Personal Injury"], False),
    ("amount", "gt", 20000, True),
    ("amount", "gt", 25000, False),
    ("amount", "gte", 25000, True),
    ("rating", "lt", 5, True),
    ("rating", "lte", 4.5, True),
    ("rating", "lte", 4, False),
    ("jurisdiction", "gt", "NA", True),
    ("notes", "contains", "injured", True),
    ("notes", "contains", "Injured", False),
    ("languages", "contains", "es", True),
    ("languages", "contains", 7.0, True),
    ("languages", "contains", "fr", False),
    ("notes", "not_contains", "fraud", True),
    ("languages", "not_contains", "en", False),
    ("notes", "starts_with", "client", True),
    ("notes", "ends_with", "work", True),
    ("notes", "ends_with", "home", False),
    ("notes", "matches", "inj.red", True),
    ("notes", "matches", "^injured", False),
    ("jurisdiction", "exists", None, True),
    ("zip", "exists", None, False),
    ("empty", "exists", None, True),
    ("zip", "not_exists", None, True),
    ("jurisdiction", "not_exists", None, False),
]


@pytest.mark.parametrize("field, operator, value, expected", OPERATOR_CASES)
def test_operator(field, operator, value, expected):
    assert matches(field, operator, value) is expected


def test_every_operator_is_covered_above():
    assert {operator for _, operator, _, _ in OPERATOR_CASES} == set(STRUCTURED_OPERATORS)


def test_nested_field_path():
    assert matches("address.state", "eq", "NY")


def test_attributes_prefix_is_optional():
    assert matches("attributes.address.country", "eq", "US")
    assert matches("attributes.jurisdiction", "eq", "NY")


def test_field_with_a_dash_is_a_plain_key():
    assert matches("company-size", "gte", 100, {"company-size": 250})


def test_exists_on_a_missing_parent_is_false_not_an_error():
    assert not matches("address.zip", "exists")
    assert matches("billing.zip", "not_exists")


def test_missing_field_does_not_match_even_for_negative_operators():
    for operator, value in (("neq", "x"), ("not_in", ["x"]), ("not_contains", "x")):
        assert evaluate([{"field": "zip", "operator": operator, "value": value}]) == (
            False,
            "attributes.zip is missing",
        )


def test_type_mismatch_does_not_match():
    assert evaluate([{"field": "notes", "operator": "gt", "value": 5}]) == (
        False,
        "no matching overload for '>' on string and int",
    )


def test_contains_on_a_number_does_not_match():
    matched, reason = evaluate([{"field": "amount", "operator": "contains", "value": "2"}])
    assert not matched and "no matching overload for 'contains'" in reason


def test_empty_list_is_a_catch_all():
    assert evaluate([]) == (True, "no condition (catch-all)")


@pytest.mark.parametrize(
    "conditions, key, fragment",
    [
        ("country == 'UK'", "conditions", "must be a list"),
        ([42], "conditions[0]", "must be an object"),
        ([{"operator": "eq", "value": 1}], "conditions[0].field", "is required"),
        ([{"field": "", "operator": "eq", "value": 1}], "conditions[0].field", "non-empty"),
        ([{"field": 7, "operator": "eq", "value": 1}], "conditions[0].field", "non-empty"),
        (
            [{"field": "a..b", "operator": "eq", "value": 1}],
            "conditions[0].field",
            "not a valid attribute path",
        ),
        (
            [{"field": "a.", "operator": "eq", "value": 1}],
            "conditions[0].field",
            "not a valid attribute path",
        ),
        ([{"field": "__class__", "operator": "eq", "value": 1}], "conditions[0].field", "not an allowed"),
        ([{"field": "a", "value": 1}], "conditions[0].operator", "is required"),
        (
            [{"field": "a", "operator": "like", "value": 1}],
            "conditions[0].operator",
            "unknown operator 'like'",
        ),
        ([{"field": "a", "operator": "eq"}], "conditions[0].value", "is required"),
        ([{"field": "a", "operator": "eq", "value": [1]}], "conditions[0].value", "string, number, boolean"),
        ([{"field": "a", "operator": "eq", "value": 2**70}], "conditions[0].value", "64 bits"),
        ([{"field": "a", "operator": "eq", "value": float("nan")}], "conditions[0].value", "string, number"),
        ([{"field": "a", "operator": "in", "value": "UK"}], "conditions[0].value", "must be a list"),
        ([{"field": "a", "operator": "not_in", "value": [["x"]]}], "conditions[0].value", "must be a list"),
        ([{"field": "a", "operator": "gt", "value": True}], "conditions[0].value", "number or a string"),
        ([{"field": "a", "operator": "lte", "value": None}], "conditions[0].value", "number or a string"),
        (
            [{"field": "a", "operator": "contains", "value": {"x": 1}}],
            "conditions[0].value",
            "string, number",
        ),
        ([{"field": "a", "operator": "starts_with", "value": 5}], "conditions[0].value", "must be a string"),
        ([{"field": "a", "operator": "ends_with", "value": None}], "conditions[0].value", "must be a string"),
        (
            [{"field": "a", "operator": "matches", "value": "(x"}],
            "conditions[0].value",
            "invalid regular expression",
        ),
        ([{"field": "a", "operator": "exists", "value": 1}], "conditions[0].value", "takes no value"),
        ([{"field": "a", "operator": "not_exists", "value": "x"}], "conditions[0].value", "takes no value"),
    ],
)
def test_invalid_structured_condition_is_keyed_by_position(conditions, key, fragment):
    with pytest.raises(ConditionError) as caught:
        check_structured(conditions)
    assert caught.value.field == key
    assert fragment in caught.value.message


def test_all_errors_are_collected_in_order():
    conditions = [
        {"field": "ok", "operator": "eq", "value": 1},
        {"field": "", "operator": "nope"},
        {"field": "b", "operator": "in", "value": 3},
    ]
    with pytest.raises(ConditionErrors) as caught:
        check_structured(conditions)
    assert list(caught.value.errors) == [
        "conditions[1].field",
        "conditions[1].operator",
        "conditions[2].value",
    ]
    assert caught.value.field == "conditions[1].field"


def test_structured_errors_returns_an_empty_dict_when_valid():
    assert structured_errors([{"field": "a", "operator": "exists"}]) == {}


def test_compile_rejects_invalid_structured_conditions():
    with pytest.raises(ConditionErrors):
        compile_rule_condition(None, [{"field": "a", "operator": "between", "value": [1, 2]}])


def test_extra_keys_in_a_condition_are_ignored():
    assert (
        matches("jurisdiction", "eq", "NY")
        and evaluate([{"field": "jurisdiction", "operator": "eq", "value": "NY", "id": "c1"}])[0]
    )
