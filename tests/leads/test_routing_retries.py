"""Routing retries what concurrent writers invalidated; when every retry loses, the client gets a 503 with
Retry-After (nothing was written), never a 500."""

import pytest

from leads.services import DEADLOCK_RETRIES, Contention, _with_deadlock_retry
from routeswit.api.errors import BusyError, to_envelope


def test_a_lost_race_is_retried_until_it_goes_through():
    attempts = []

    def work():
        attempts.append(1)
        if len(attempts) < DEADLOCK_RETRIES:
            raise Contention("a rep filled up meanwhile")
        return "routed"

    assert _with_deadlock_retry(work) == "routed" and len(attempts) == DEADLOCK_RETRIES


def test_every_retry_lost_is_a_503_with_retry_after():
    def work():
        raise Contention("a rep filled up meanwhile")

    with pytest.raises(BusyError) as caught:
        _with_deadlock_retry(work)
    envelope = to_envelope(caught.value)
    assert envelope.status == 503 and envelope.body["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert envelope.headers == {"Retry-After": "1"}
