"""Limits on lead attributes: an object of at most 200 keys, at most 5 deep, integers within 64 bits."""

MAX_KEYS = 200
MAX_DEPTH = 5
INT64 = range(-(1 << 63), 1 << 63)


def attributes_errors(value, path: str = "attributes") -> dict[str, list[str]]:
    if not isinstance(value, dict):
        return {path: ["Must be a JSON object."]}
    if len(value) > MAX_KEYS:
        return {path: [f"At most {MAX_KEYS} keys; got {len(value)}."]}
    return _walk(value, path, 1)


def _walk(value, path: str, depth: int) -> dict[str, list[str]]:
    if isinstance(value, (dict, list)) and depth > MAX_DEPTH:
        return {path: [f"Nested deeper than {MAX_DEPTH} levels."]}
    if isinstance(value, dict):
        if any("\x00" in key for key in value):
            return {path: ["NUL characters are not allowed in keys."]}
        items = ((f"{path}.{k}", v) for k, v in value.items())
    elif isinstance(value, list):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(value))
    else:
        if isinstance(value, int) and not isinstance(value, bool) and value not in INT64:
            return {path: ["Integer out of the 64-bit range."]}
        if isinstance(value, str) and "\x00" in value:
            return {path: ["NUL characters are not allowed."]}
        return {}
    errors: dict[str, list[str]] = {}
    for child_path, child in items:
        errors.update(_walk(child, child_path, depth + 1))
        if errors:
            return errors
    return errors
