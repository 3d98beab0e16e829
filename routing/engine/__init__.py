"""Routeswit's condition engine: CEL checks at save time, fast closures and an indexed ruleset for routing."""

# Pure Python, no Django. How errors surface:
# - check_condition(text) raises ConditionError (field "condition"), message "line:column: ...".
# - check_structured(conditions) collects every problem and raises ConditionErrors: a ConditionError whose
#   `errors` dict maps "conditions[i].field|operator|value" to a message (`field`/`message` are the first).
# - compile_rule_condition raises the same errors; the matcher it returns never raises.

from .checker import check_condition, library_env
from .conditions import CompiledCondition, IndexEntry, compile_condition, compile_rule_condition
from .errors import ConditionError, ConditionErrors
from .query import coerce_query_value
from .ruleset import CompiledRuleset, RuleOutcome, RulesetEvaluation, RuleSpec
from .structured import OPERATORS as STRUCTURED_OPERATORS
from .structured import check_structured, structured_errors

__all__ = [
    "STRUCTURED_OPERATORS",
    "CompiledCondition",
    "CompiledRuleset",
    "ConditionError",
    "ConditionErrors",
    "IndexEntry",
    "RuleOutcome",
    "RuleSpec",
    "RulesetEvaluation",
    "check_condition",
    "check_structured",
    "coerce_query_value",
    "compile_condition",
    "compile_rule_condition",
    "library_env",
    "structured_errors",
]
