"""RE2 regular expressions for `matches()`: linear-time, compiled once and cached."""

from __future__ import annotations

from functools import lru_cache

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a bad pattern is reported to the user, not logged to stderr by RE2
_OPTIONS.never_capture = True  # matches() only needs a yes/no answer, and capture-free matching is faster


class RegexError(ValueError):
    """A pattern RE2 cannot compile; the message is RE2's own."""


@lru_cache(maxsize=1024)
def compile_regex(pattern: str):
    """A compiled RE2 program; raises RegexError. Cached because dynamic patterns repeat across leads."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise RegexError(str(detail)) from None


def make_searcher(pattern: str):
    """A function text -> bool that is True when the pattern matches anywhere in text (CEL `matches`)."""
    compiled = compile_regex(pattern)
    raw = getattr(compiled, "_regexp", None)
    anchor = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)
    if raw is None or anchor is None:
        # The public wrapper is ~5x slower (it builds match objects), but keeps working if internals move.
        return lambda text: compiled.search(text) is not None

    def search(text: str) -> bool:
        encoded = text.encode("utf-8")
        return raw.Match(anchor, encoded, 0, len(encoded))[0][0] != -1

    return search
