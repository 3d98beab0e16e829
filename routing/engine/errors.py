"""Errors raised when a condition is saved or compiled (evaluation never raises)."""

from __future__ import annotations


class ConditionError(Exception):
    """One invalid condition: `field` is the error key ("condition", "conditions[1].operator")."""

    def __init__(self, message: str, field: str = "condition"):
        super().__init__(f"{field}: {message}")
        self.message = message
        self.field = field


class ConditionErrors(ConditionError):
    """Several errors found in one structured list; `errors` maps each key to its message, in order.

    It is a ConditionError whose message/field are the first error, so callers may catch either.
    """

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field)
        self.errors = dict(errors)
