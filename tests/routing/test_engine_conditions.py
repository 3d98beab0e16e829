"""CEL text conditions: every operator and function, CEL's typing rules, and save-time rejection."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the engine must import without Django settings

import pytest  # noqa: E402

from routing.engine import ConditionError, check_condition, compile_rule_condition  # noqa: E402

LEAD = {
    "country": "UK",
    "score": 75,
    "ratio": 0.5,
    "vip": True,
    "nothing": None,
    "company-size": 250,
    "tags": ["enterprise", "inbound", 3],
    "address": {"country": "US", "city": "Boston", "geo": {"lat": 42.3}},
    "email": "Jane.Doe@Example.COM",
    "name": "Émile",
}


def evaluate(text: str, attributes: dict | None = None, lead_id: str = "lead-42") -> tuple[bool, str]:
    return compile_rule_condition(text, None)(LEAD if attributes is None else attributes, lead_id)


def matches(text: str, attributes: dict | None = None, lead_id: str = "lead-42") -> bool:
    return evaluate(text, attributes, lead_id)[0]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("attributes.country == 'UK'", True),
        ('attributes.country == "UK"', True),
        ("attributes.country != 'UK'", False),
        ("attributes.score < 100", True),
        ("attributes.score <= 75", True),
        ("attributes.score > 75", False),
        ("attributes.score >= 75", True),
        ("100 > attributes.score", True),
        ("attributes.country in ['UK', 'IE']", True),
        ("attributes.country in ['FR']", False),
        ("'enterprise' in attributes.tags", True),
        ("'city' in attributes.address", True),
        ("'zip' in attributes.address", False),
        ("attributes.vip && attributes.score > 50", True),
        ("attributes.vip && attributes.score > 80", False),
        ("attributes.country == 'FR' || attributes.vip", True),
        ("!attributes.vip", False),
        ("attributes.vip ? attributes.score > 70 : false", True),
        ("attributes.vip ? false : true", False),
        ("lead_id == 'lead-42'", True),
        ("lead_id.startsWith('lead-')", True),
        ("true", True),
        ("false", False),
    ],
)
def test_operator(text, expected):
    assert matches(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("has(attributes.country)", True),
        ("has(attributes.zip)", False),
        ("has(attributes.address.city)", True),
        ("has(attributes.address.zip)", False),
        ("has(attributes.nothing)", True),  # present with a null value still counts
        ("size(attributes.country) == 2", True),
        ("attributes.tags.size() == 3", True),
        ("size(attributes.address) == 3", True),
        ("size(attributes.name) == 5", True),  # code points, not bytes
        ("attributes.email.contains('Doe')", True),
        ("attributes.email.contains('doe')", False),
        ("attributes.email.startsWith('Jane')", True),
        ("attributes.email.endsWith('.COM')", True),
        ("attributes.email.endsWith('.com')", False),
        ("attributes.email.matches('@example\\\\.com$')", False),
        ("attributes.email.matches('(?i)@example\\\\.com$')", True),
        ("matches(attributes.country, '^U')", True),
        ("attributes.email.matches('Doe')", True),  # matches() searches, it is not anchored
        ("attributes.email.lowerAscii() == 'jane.doe@example.com'", True),
        ("attributes.name.lowerAscii() == 'Émile'.lowerAscii()", True),
        ("'ÉMILE'.lowerAscii() == 'émile'", False),  # only ASCII letters are folded
    ],
)
def test_function(text, expected):
    assert matches(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("attributes.address.country == 'US'", True),
        ("attributes.address.geo.lat > 42.0", True),
        ("attributes['company-size'] > 200", True),
        ("attributes['address']['city'] == 'Boston'", True),
        ("attributes.address['city'] == 'Boston'", True),
        ("attributes.tags[0] == 'enterprise'", True),
        ("attributes.tags[2] == 3", True),
        ("attributes.tags == ['enterprise', 'inbound', 3]", True),
        ("attributes.tags == ['enterprise', 'inbound', 3.0]", True),
        ("attributes.address == attributes.address", True),
    ],
)
def test_nested_maps_and_lists(text, expected):
    assert matches(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("attributes.score == 75.0", True),  # int and double compare numerically
        ("attributes.ratio < 1", True),
        ("attributes.score in [75.0]", True),
        ("attributes.vip == 1", False),  # bool is not a number in CEL
        ("attributes.vip in [1]", False),
        ("attributes.score == '75'", False),  # heterogeneous == is false, not an error
        ("attributes.country != 75", True),
        ("attributes.nothing == null", True),
        ("attributes.score == null", False),
        ("true > false", True),
    ],
)
def test_cel_typing_rules(text, expected):
    assert matches(text) is expected


def test_missing_attribute_does_not_match_and_says_which():
    assert evaluate("attributes.region == 'EU'") == (False, "attributes.region is missing")


def test_missing_nested_attribute_names_the_missing_part():
    assert evaluate("attributes.address.zip == '02110'") == (False, "attributes.address.zip is missing")


def test_selecting_into_a_non_map_does_not_match():
    matched, reason = evaluate("attributes.country.code == 'GB'")
    assert not matched and "attributes.country is a string, not a map" in reason


def test_type_mismatch_does_not_match_and_names_the_overload():
    assert evaluate("attributes.country > 5") == (False, "no matching overload for '>' on string and int")


def test_type_mismatch_with_the_constant_first_keeps_operand_order():
    assert evaluate("5 < attributes.country") == (False, "no matching overload for '<' on int and string")


def test_string_function_on_a_number_does_not_match():
    assert evaluate("attributes.score.startsWith('7')") == (
        False,
        "no matching overload for 'startsWith' on int and string",
    )


def test_list_index_out_of_range_does_not_match():
    matched, reason = evaluate("attributes.tags[5] == 'x'")
    assert not matched and "out of range" in reason


def test_false_and_error_is_false():
    assert evaluate("attributes.country == 'FR' && attributes.region == 'EU'")[1] == (
        "attributes.country == 'FR' is false"
    )
    assert not matches("attributes.region == 'EU' && attributes.country == 'FR'")


def test_true_or_error_is_true():
    assert matches("attributes.region == 'EU' || attributes.country == 'UK'")
    assert matches("attributes.country == 'UK' || attributes.region == 'EU'")


def test_true_and_error_is_an_error():
    assert evaluate("attributes.country == 'UK' && attributes.region == 'EU'") == (
        False,
        "attributes.region is missing",
    )


def test_a_false_conjunct_is_named_in_the_reason():
    assert evaluate("attributes.country == 'UK' && attributes.score > 90") == (
        False,
        "attributes.score > 90 is false",
    )


def test_non_bool_result_does_not_match():
    assert evaluate("attributes.country") == (False, "condition evaluated to a string, not a bool")


def test_bool_attribute_alone_is_a_condition():
    assert matches("attributes.vip")


def test_dynamic_invalid_regex_does_not_match():
    matched, reason = evaluate("attributes.email.matches(attributes.pattern)", {"email": "a", "pattern": "("})
    assert not matched and "invalid regular expression" in reason


def test_multiline_condition():
    assert matches("attributes.country == 'UK'\n  && attributes.score > 50")


def test_escaped_quotes_in_both_quote_styles():
    assert matches("attributes.q == 'it\\'s'", {"q": "it's"})
    assert matches('attributes.q == "say \\"hi\\""', {"q": 'say "hi"'})


def test_evaluation_never_raises_on_unexpected_values():
    matched, reason = evaluate("attributes.x.size() > 1", {"x": object()})
    assert not matched and reason


@pytest.mark.parametrize(
    "text, expected_fragment",
    [
        ("attributes.country ==", "1:22: Syntax error"),
        ("attributes.country == 'UK' &&\n  attributes.score >", "2:21: Syntax error"),
        ("attributes.country = 'UK'", "1:20: Syntax error"),
        ("region == 'EU'", "1:1: undeclared reference to 'region'"),
        ("exists(attributes.tags)", "undeclared reference to 'exists'"),
        ("attributes.tags.exists(t, t == 'x')", "1:23: function 'exists' (a macro) is not allowed"),
        ("attributes.tags.all(t, t == 'x')", "function 'all' (a macro) is not allowed"),
        ("attributes.tags.map(t, t).size() > 0", "function 'map' (a macro) is not allowed"),
        ("attributes.tags.filter(t, t == 'x').size() > 0", "function 'filter' (a macro) is not allowed"),
        (
            "timestamp(attributes.at) > timestamp('2020-01-01T00:00:00Z')",
            "function 'timestamp' is not allowed",
        ),
        ("int(attributes.score) > 5", "function 'int' is not allowed"),
        ("string(attributes.score) == '5'", "function 'string' is not allowed"),
        ("type(attributes.score) == int", "function 'type' is not allowed"),
        ("attributes.email.upperAscii() == 'X'", "function 'upperAscii' is not allowed"),
        ("attributes.email.charAt(0) == 'J'", "function 'charAt' is not allowed"),
        ("__import__('os')", "undeclared reference to '__import__'"),
        ("attributes.__class__ == 'dict'", "1:11: field name '__class__' is not allowed"),
        ("attributes['__globals__'] == 1", "field name '__globals__' is not allowed"),
        ("attributes.email.matches('(unclosed')", "1:26: invalid regular expression '(unclosed': missing )"),
        ("matches(attributes.email, '[z-a]')", "invalid regular expression '[z-a]'"),
        ("attributes.email.matches('(a)\\\\1')", "invalid regular expression"),
        ("attributes.score + 1 > 5", "operator '+' is not allowed"),
        ("-attributes.score < 0", "operator '-' is not allowed"),
        ("{'a': 1} == attributes", "map or message literal is not allowed"),
        ("attributes.score == 5u", "uint literals are not allowed"),
        ("attributes.email == b'x'", "bytes literals are not allowed"),
        ("size(attributes.tags)", "condition must be a boolean expression, not int"),
        ("lead_id > 5", "no matching overload for '_>_'"),
        ("lead_id.foo()", "undeclared reference to 'foo'"),
        ("(" * 40 + "true" + ")" * 40, "1:1: Expression recursion limit exceeded"),
    ],
)
def test_invalid_condition_is_rejected_with_a_message(text, expected_fragment):
    with pytest.raises(ConditionError) as caught:
        check_condition(text)
    assert caught.value.field == "condition"
    assert expected_fragment in caught.value.message


def test_condition_must_be_text():
    with pytest.raises(ConditionError, match="must be a string"):
        check_condition(42)


def test_overlong_condition_is_rejected():
    with pytest.raises(ConditionError, match="longer than"):
        check_condition("attributes.a == 'x' || " * 400 + "true")


def test_compile_rejects_an_invalid_condition():
    with pytest.raises(ConditionError):
        compile_rule_condition("attributes.country ==", None)


def test_no_condition_is_a_catch_all():
    assert compile_rule_condition(None, None)({}, "lead") == (True, "no condition (catch-all)")
    assert compile_rule_condition("   ", [])({}, "lead")[0]


def test_condition_and_conditions_together_are_rejected():
    with pytest.raises(ConditionError, match="either condition or conditions"):
        compile_rule_condition("true", [{"field": "a", "operator": "exists"}])
