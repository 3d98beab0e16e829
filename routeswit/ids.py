"""Public ids: a type prefix and random base62 characters; internal integer keys never leave the server."""

import re
import secrets
import string

BASE62 = string.ascii_letters + string.digits
CLIENT_ID_BODY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def random_base62(length: int) -> str:
    return "".join(secrets.choice(BASE62) for _ in range(length))


def new_public_id(prefix: str) -> str:
    return f"{prefix}_{random_base62(20)}"


def is_valid_client_id(prefix: str, value: str) -> bool:
    """Client-chosen ids look like `rep_london_office`: the prefix, then 1-64 of A-Za-z0-9_-."""
    return value.startswith(prefix + "_") and bool(CLIENT_ID_BODY.match(value[len(prefix) + 1 :]))
