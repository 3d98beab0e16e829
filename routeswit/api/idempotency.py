"""`Idempotency-Key` for every POST of the API (Stripe's semantics), wired in once by OrgViewSet.

A request with the header first *claims* the key: an INSERT under the (org, key) unique constraint,
committed on its own, so of two concurrent requests exactly one runs the handler. The claim is then
either completed with the response (2xx: replayed for 24 hours with `Idempotent-Replayed: true`) or
released (any error: services are atomic, so an error wrote nothing and the client may retry with
the same key). The same key with another method, path or body is 409 CONFLICT. A duplicate that
arrives while the first is running waits briefly for its result, then gets 409.
"""

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from routeswit.api.errors import ConflictError, ValidationFailed
from routeswit.orgs.models import IdempotencyKey, Organization

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
KEY_TTL = timedelta(hours=24)
# A claim still in progress after this long belongs to a request that died; it may be taken over.
ABANDONED_AFTER = timedelta(minutes=5)
WAIT_FOR_RESULT_SECONDS = 2.0
POLL_SECONDS = 0.05


class IdempotentReplay(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised from `OrgViewSet.initial` to answer with the stored response instead of running the handler."""

    def __init__(self, response: Response):
        super().__init__("idempotent replay")
        self.response = response


@dataclass(frozen=True)
class Claim:
    row: IdempotencyKey


def key_from_header(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not raw.strip() or len(raw) > MAX_KEY_LENGTH:
        raise ValidationFailed({HEADER: [f"Must be 1 to {MAX_KEY_LENGTH} characters."]})
    return raw


def request_fingerprint(*, method: str, path: str, data) -> str:
    body = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=JSONEncoder)
    return hashlib.sha256(f"{method.upper()}\n{path}\n{body}".encode()).hexdigest()


def idempotency_claim(*, org: Organization, key: str, method: str, path: str, data) -> Claim:
    """Claim the key for this request, or raise IdempotentReplay (same request, done) / ConflictError."""
    fingerprint = request_fingerprint(method=method, path=path, data=data)
    deadline = time.monotonic() + WAIT_FOR_RESULT_SECONDS
    while True:
        row = _insert(org=org, key=key, fingerprint=fingerprint, method=method, path=path)
        if row is not None:
            return Claim(row=row)
        existing = IdempotencyKey.objects.filter(org=org, key=key).first()
        if existing is not None:
            _check_same_request(existing, fingerprint)
            if existing.status_code is not None:
                raise IdempotentReplay(replay_response(existing))
        # Still in progress (or released in between): wait a moment for its result, then claim again.
        if time.monotonic() >= deadline:
            raise ConflictError(f"A request with this {HEADER} is in progress; retry later.")
        time.sleep(POLL_SECONDS)


def _check_same_request(existing: IdempotencyKey, fingerprint: str) -> None:
    if existing.fingerprint != fingerprint:
        raise ConflictError(
            f"This {HEADER} was already used for a different request "
            f"(first used for {existing.method} {existing.path}); use a new key."
        )


def _insert(*, org, key, fingerprint, method, path) -> IdempotencyKey | None:
    now = timezone.now()
    # Keys older than the TTL are ignored; so are claims abandoned by a request that died mid-way.
    IdempotencyKey.objects.filter(
        Q(created_at__lt=now - KEY_TTL) | Q(status_code__isnull=True, created_at__lt=now - ABANDONED_AFTER),
        org=org,
        key=key,
    ).delete()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                org=org, key=key, fingerprint=fingerprint, method=method, path=path[:2048], created_at=now
            )
    except IntegrityError:
        return None


def idempotency_complete(*, claim: Claim, response: Response) -> None:
    """Keep a successful response for replays; release the key after an error."""
    if response.status_code >= 400:
        idempotency_release(claim=claim)
        return
    body = json.loads(json.dumps(getattr(response, "data", None), cls=JSONEncoder))
    IdempotencyKey.objects.filter(pk=claim.row.pk).update(
        status_code=response.status_code, response_body=body, completed_at=timezone.now()
    )


def idempotency_release(*, claim: Claim) -> None:
    IdempotencyKey.objects.filter(pk=claim.row.pk, status_code__isnull=True).delete()


def replay_response(row: IdempotencyKey) -> Response:
    return Response(row.response_body, status=row.status_code, headers={REPLAYED_HEADER: "true"})


def idempotency_keys_purge(*, now: datetime | None = None) -> int:
    """Delete keys past the 24-hour window; returns how many went."""
    cutoff = (now or timezone.now()) - KEY_TTL
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
