"""The API's JSON parser: the standard one, plus the limits that would otherwise be 500s further down."""

from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from routeswit.api.errors import ValidationFailed


class JsonParser(JSONParser):
    """Deeply nested bodies exhaust Python's recursion (a RecursionError, not a ValueError); NUL characters
    are refused by PostgreSQL in text and jsonb. Both are the client's error: 422, naming the path."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("The JSON is nested too deeply.") from None
        path = nul_path(data)
        if path is not None:
            raise ValidationFailed({path or "body": ["NUL characters are not allowed."]})
        return data


def nul_path(data) -> str | None:
    """The path of the first string or key holding a NUL character (iterative: any depth), else None."""
    stack = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return path
        elif isinstance(value, dict):
            for key, child in value.items():
                child_path = f"{path}.{key}" if path else str(key)
                if "\x00" in key:
                    return child_path.replace("\x00", "\\u0000")
                stack.append((child_path, child))
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", child) for index, child in enumerate(value))
    return None
