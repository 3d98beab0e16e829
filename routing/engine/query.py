"""Typing of attribute values that arrive as query-string text."""

from __future__ import annotations

import json
import re

# Exactly JSON's number grammar: json.loads alone would also accept NaN and Infinity.
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")


def coerce_query_value(text: str) -> object:
    """ "500" -> 500, "5.5" -> 5.5, "true" -> True, "false" -> False; anything else stays a string."""
    if text == "true":
        return True
    if text == "false":
        return False
    if _JSON_NUMBER.fullmatch(text):
        return json.loads(text)
    return text
