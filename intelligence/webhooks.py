"""Standard Webhooks signing and the one HTTP POST of a delivery attempt (standard library only).

The connection goes to the address the SSRF guard checked, while the Host header and TLS SNI/certificate
check use the URL's host name. Redirects are never followed; at most 64 KiB of the answer is read; the
whole attempt is bounded by TIMEOUT_SECONDS.
"""

import base64
import hashlib
import hmac
import http.client
import secrets
import socket
import ssl
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from . import ssrf

TIMEOUT_SECONDS = 10.0
MAX_RESPONSE_BYTES = 64 * 1024
SECRET_PREFIX = "whsec_"
USER_AGENT = "Routeswit-Webhooks/1.0"


def secret_new() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed with the secret's decoded bytes."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(*, secret: str, msg_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret=secret, msg_id=msg_id, timestamp=timestamp, body=body),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


@dataclass
class Outcome:
    status_code: int | None = None
    body: str = ""
    error: str = ""
    duration_ms: float = 0.0
    retry_after_seconds: float | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: ssrf.Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = target.address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: ssrf.Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self.address = target.address

    def connect(self):
        raw = socket.create_connection((self.address, self.port), self.timeout)
        # SNI and certificate verification use the host name, not the pinned address.
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


def post(*, url: str, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT_SECONDS) -> Outcome:
    """POST once. Never raises: a refused URL, a network error or a timeout is an Outcome with `error`."""
    started = time.monotonic()
    outcome = Outcome()
    try:
        target = ssrf.url_check(url)
        outcome = _send(target, body, headers, deadline=started + timeout, timeout=timeout)
    except ssrf.UnsafeUrl as exc:
        outcome.error = f"Refused: {exc}"
    except TimeoutError:
        outcome.error = f"Timed out after {timeout:g} s."
    except (OSError, http.client.HTTPException) as exc:
        outcome.error = f"{exc.__class__.__name__}: {exc}"[:2000]
    outcome.duration_ms = round((time.monotonic() - started) * 1000, 3)
    return outcome


def _send(target: ssrf.Target, body: bytes, headers: dict, *, deadline: float, timeout: float) -> Outcome:
    cls = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = cls(target, timeout=timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        raw = _read_limited(response, deadline)
        return Outcome(
            status_code=response.status,
            body=escape_body(raw),
            retry_after_seconds=retry_after(response.getheader("Retry-After")),
        )
    finally:
        connection.close()


def _read_limited(response: http.client.HTTPResponse, deadline: float) -> bytes:
    chunks, size = [], 0
    while size < MAX_RESPONSE_BYTES:
        if time.monotonic() > deadline:
            raise TimeoutError
        chunk = response.read1(MAX_RESPONSE_BYTES - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def escape_body(raw: bytes) -> str:
    """Text safe to store and show: invalid UTF-8 and NUL bytes become backslash escapes."""
    return raw.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00")


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time()) if when else None
