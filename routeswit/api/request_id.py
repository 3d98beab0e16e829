"""The current request id, kept in a contextvar so every log line and error body can carry it."""

import contextvars
import re
import secrets

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def new_request_id() -> str:
    return f"req_{secrets.token_hex(12)}"


def choose_request_id(client_value: str | None) -> str:
    if client_value and CLIENT_REQUEST_ID.fullmatch(client_value):
        return client_value
    return new_request_id()


def current_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str) -> contextvars.Token:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)
