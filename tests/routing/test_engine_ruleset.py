"""CompiledRuleset: rule order, tiers, laziness, and an index that never changes which rules match."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the engine must import without Django settings

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from routing.engine import CompiledRuleset, RuleOutcome, RuleSpec, coerce_query_value  # noqa: E402


def matched_keys(ruleset: CompiledRuleset, attributes: dict, **kwargs) -> list:
    return [outcome.key for outcome in ruleset.evaluate(attributes, "lead-1", **kwargs) if outcome.matched]


def evaluated_keys(ruleset: CompiledRuleset, attributes: dict, **kwargs) -> list:
    return [outcome.key for outcome in ruleset.evaluate(attributes, "lead-1", **kwargs)]


def test_rules_are_tried_in_tier_then_priority_then_input_order():
    ruleset = CompiledRuleset(
        [
            RuleSpec("t1-p0", tier=1, priority=0),
            RuleSpec("t0-p5-first", tier=0, priority=5),
            RuleSpec("t0-p1", tier=0, priority=1),
            RuleSpec("t0-p5-second", tier=0, priority=5),
        ]
    )
    assert evaluated_keys(ruleset, {}) == ["t0-p1", "t0-p5-first", "t0-p5-second", "t1-p0"]


def test_inactive_rules_are_never_tried():
    ruleset = CompiledRuleset([RuleSpec("off", is_active=False), RuleSpec("on")])
    assert evaluated_keys(ruleset, {}) == ["on"]


def test_tier_argument_restricts_to_that_tier():
    ruleset = CompiledRuleset(
        [RuleSpec("a", tier=0), RuleSpec("b", tier=1), RuleSpec("c", tier=1, priority=-1)]
    )
    assert evaluated_keys(ruleset, {}, tier=1) == ["c", "b"]
    assert evaluated_keys(ruleset, {}, tier=7) == []


def test_catch_all_rule_matches_every_lead():
    outcome = next(iter(CompiledRuleset([RuleSpec("any")]).evaluate({"x": 1}, "lead-1")))
    assert outcome == RuleOutcome("any", True, "no condition (catch-all)")


def test_outcomes_carry_the_reason_for_no_match():
    ruleset = CompiledRuleset([RuleSpec("r", condition="attributes.score > 10")])
    assert list(ruleset.evaluate({}, "lead-1")) == [RuleOutcome("r", False, "attributes.score is missing")]


def test_evaluation_is_lazy_and_keeps_yielding_later_matches():
    ruleset = CompiledRuleset(
        [RuleSpec(i, priority=i, condition="attributes.go == true") for i in range(3)]
        + [RuleSpec("fallback", priority=9)]
    )
    outcomes = ruleset.evaluate({"go": True}, "lead-1")
    first = next(outcomes)
    second = next(outcomes)  # the caller passed over the first winner (no eligible rep)
    assert [first.key, second.key] == [0, 1]
    assert [outcome.key for outcome in outcomes] == [2, "fallback"]


def test_index_skips_rules_whose_equality_cannot_hold():
    ruleset = CompiledRuleset(
        [RuleSpec(i, priority=i, condition=f"attributes.country == 'C{i}'") for i in range(1000)]
    )
    outcomes = ruleset.evaluate({"country": "C999"}, "lead-1")
    assert [(outcome.key, outcome.matched) for outcome in outcomes] == [(999, True)]
    assert outcomes.pruned_count == 999


def test_index_preserves_order_between_indexed_and_unindexed_rules():
    ruleset = CompiledRuleset(
        [
            RuleSpec("eq-late", priority=3, condition="attributes.country == 'UK'"),
            RuleSpec("range", priority=2, condition="attributes.score > 1"),
            RuleSpec("eq-early", priority=1, condition="attributes.country in ['UK', 'IE']"),
            RuleSpec("other", priority=0, condition="attributes.country == 'FR'"),
        ]
    )
    outcomes = ruleset.evaluate({"country": "UK", "score": 5}, "lead-1")
    assert [outcome.key for outcome in outcomes] == ["eq-early", "range", "eq-late"]
    assert outcomes.pruned_count == 1


def test_skipped_before_counts_pruned_rules_ahead_of_an_outcome():
    ruleset = CompiledRuleset([RuleSpec(i, priority=i, condition=f"attributes.n == {i}") for i in range(10)])
    outcomes = ruleset.evaluate({"n": 7}, "lead-1")
    winner = next(outcomes)
    assert winner.key == 7 and outcomes.skipped_before(winner) == 7


def test_index_treats_int_and_double_as_equal():
    ruleset = CompiledRuleset(
        [RuleSpec("one", condition="attributes.n == 1"), RuleSpec("two", condition="attributes.n == 2.0")]
    )
    assert matched_keys(ruleset, {"n": 1.0}) == ["one"]
    assert matched_keys(ruleset, {"n": 2}) == ["two"]


def test_index_keeps_bool_and_int_apart():
    ruleset = CompiledRuleset(
        [RuleSpec("int", condition="attributes.n == 1"), RuleSpec("bool", condition="attributes.n == true")]
    )
    assert matched_keys(ruleset, {"n": True}) == ["bool"]
    assert matched_keys(ruleset, {"n": 1}) == ["int"]


def test_index_on_a_nested_path_and_a_constant_on_the_left():
    ruleset = CompiledRuleset(
        [
            RuleSpec("us", condition="'US' == attributes.address.country"),
            RuleSpec("uk", condition="'UK' == attributes.address.country"),
        ]
    )
    outcomes = ruleset.evaluate({"address": {"country": "US"}}, "lead-1")
    assert [outcome.key for outcome in outcomes] == ["us"]


def test_index_uses_a_conjunct_of_a_top_level_and_chain():
    ruleset = CompiledRuleset(
        [
            RuleSpec("a", condition="attributes.score > 1 && attributes.country == 'UK'"),
            RuleSpec("b", condition="attributes.country == 'FR'"),
        ]
    )
    outcomes = ruleset.evaluate({"country": "FR", "score": 5}, "lead-1")
    assert [outcome.key for outcome in outcomes] == ["b"] and outcomes.pruned_count == 1


def test_structured_equality_rules_are_indexed():
    specs = [
        RuleSpec(state, conditions=[{"field": "attributes.address.state", "operator": "eq", "value": state}])
        for state in ("NY", "CA", "TX")
    ]
    outcomes = CompiledRuleset(specs).evaluate({"address": {"state": "TX"}}, "lead-1")
    assert [outcome.key for outcome in outcomes] == ["TX"] and outcomes.pruned_count == 2


def test_missing_indexed_attribute_prunes_its_rules():
    ruleset = CompiledRuleset([RuleSpec("uk", condition="attributes.country == 'UK'"), RuleSpec("all")])
    outcomes = ruleset.evaluate({}, "lead-1")
    assert [outcome.key for outcome in outcomes] == ["all"] and outcomes.pruned_count == 1


def test_invalid_rule_never_matches_and_is_reported():
    ruleset = CompiledRuleset([RuleSpec("bad", condition="attributes.x =="), RuleSpec("good")])
    assert [(o.key, o.matched) for o in ruleset.evaluate({}, "lead-1")] == [("bad", False), ("good", True)]
    assert "Syntax error" in ruleset.errors["bad"].message


def test_plain_scan_evaluates_every_rule():
    ruleset = CompiledRuleset([RuleSpec(i, condition=f"attributes.n == {i}") for i in range(5)])
    assert len(evaluated_keys(ruleset, {"n": 3}, use_index=False)) == 5
    assert evaluated_keys(ruleset, {"n": 3}) == [3]


def test_mapping_attributes_are_accepted():
    from types import MappingProxyType

    ruleset = CompiledRuleset([RuleSpec("uk", condition="attributes.country == 'UK'")])
    assert matched_keys(ruleset, MappingProxyType({"country": "UK"})) == ["uk"]


# --- property: the index never changes the sequence of matched rules ---

VALUES = st.sampled_from(
    [1, 1.0, 2, True, False, None, "x", "y", 2**53 + 1, float(2**53), -0.0, [1], {"d": 1}]
)
LITERALS = [
    "1",
    "1.0",
    "2",
    "true",
    "false",
    "null",
    "'x'",
    "'y'",
    "9007199254740993",
    "9007199254740992.0",
    "0",
]
PATHS = ["attributes.a", "attributes.b", "attributes.c.d", "attributes['b']"]
FIELDS = ["a", "b", "c.d", "attributes.a"]


def _text_condition():
    literal, path = st.sampled_from(LITERALS), st.sampled_from(PATHS)
    return st.one_of(
        st.tuples(path, literal).map(lambda p: f"{p[0]} == {p[1]}"),
        st.tuples(literal, path).map(lambda p: f"{p[0]} == {p[1]}"),
        st.tuples(path, st.lists(literal, max_size=3)).map(lambda p: f"{p[0]} in [{', '.join(p[1])}]"),
        st.tuples(path, literal, path).map(lambda p: f"{p[0]} == {p[1]} && {p[2]} != {p[1]}"),
        st.tuples(path, st.integers(0, 2), path, literal).map(
            lambda p: f"{p[0]} > {p[1]} && {p[2]} == {p[3]}"
        ),
        st.tuples(path, literal, path).map(lambda p: f"{p[0]} == {p[1]} || has({p[2]})"),
        st.tuples(path, literal).map(lambda p: f"{p[0]} != {p[1]}"),
        st.none(),
    )


def _structured_condition():
    value = st.sampled_from([1, 1.0, True, None, "x", 2**53 + 1])
    item = st.one_of(
        st.builds(lambda f, v: {"field": f, "operator": "eq", "value": v}, st.sampled_from(FIELDS), value),
        st.builds(
            lambda f, v: {"field": f, "operator": "in", "value": v},
            st.sampled_from(FIELDS),
            st.lists(value, max_size=3),
        ),
        st.builds(lambda f: {"field": f, "operator": "exists"}, st.sampled_from(FIELDS)),
    )
    return st.lists(item, min_size=1, max_size=2)


RULES = st.lists(
    st.builds(
        lambda text, structured, use_structured, tier, priority, active: (
            (None, structured) if use_structured else (text, None),
            tier,
            priority,
            active,
        ),
        _text_condition(),
        _structured_condition(),
        st.booleans(),
        st.integers(0, 2),
        st.integers(0, 3),
        st.booleans() | st.just(True),
    ),
    max_size=12,
)
LEADS = st.fixed_dictionaries(
    {},
    optional={
        "a": VALUES,
        "b": VALUES,
        "c": st.one_of(VALUES, st.fixed_dictionaries({}, optional={"d": VALUES})),
    },
)


@settings(max_examples=200, deadline=None)
@given(RULES, LEADS, st.sampled_from([None, 0, 1, 2]))
def test_index_yields_the_same_matches_as_a_plain_scan(rules, attributes, tier):
    specs = [
        RuleSpec(i, tier=tier_, priority=priority, is_active=active, condition=text, conditions=structured)
        for i, ((text, structured), tier_, priority, active) in enumerate(rules)
    ]
    ruleset = CompiledRuleset(specs)
    scan = {o.key: o for o in ruleset.evaluate(attributes, "lead-1", tier=tier, use_index=False)}
    indexed = ruleset.evaluate(attributes, "lead-1", tier=tier)
    outcomes = list(indexed)
    assert [o.key for o in outcomes if o.matched] == [key for key, o in scan.items() if o.matched]
    assert all(outcome == scan[outcome.key] for outcome in outcomes)  # same verdict and reason, in scan order
    assert [o.key for o in outcomes] == [key for key in scan if key in {o.key for o in outcomes}]
    assert indexed.pruned_count == len(scan) - len(outcomes)


# --- query-string values ---


def test_coerce_query_value_reads_json_numbers_and_booleans():
    assert coerce_query_value("500") == 500 and type(coerce_query_value("500")) is int
    assert coerce_query_value("5.5") == 5.5
    assert coerce_query_value("-2") == -2
    assert coerce_query_value("1e3") == 1000.0
    assert coerce_query_value("true") is True
    assert coerce_query_value("false") is False


def test_coerce_query_value_leaves_other_text_alone():
    for text in ("UK", "", "null", "True", "NaN", "Infinity", "01", " 5", "5 ", "0x10", "1_000"):
        assert coerce_query_value(text) == text
