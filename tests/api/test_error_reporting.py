"""Every 500 is reported: to the error log with its request id always, and to Sentry (when SENTRY_DSN is set)
with the request id and without credentials. Sentry is initialized with a collecting transport: no network."""

from unittest import mock

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from routeswit.observability import sentry_before_send, sentry_init
from tests.conftest import assert_error


class CollectingTransport(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)

    def flush(self, timeout, callback=None):
        return None

    def kill(self):
        return None

    def events(self) -> list[dict]:
        return [e.get_event() for e in self.envelopes if e.get_event() is not None]


@pytest.fixture
def sentry_transport():
    transport = CollectingTransport()
    sentry_init(dsn="https://public@sentry.example/1", transport=transport)
    yield transport
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


def _forced_error(api, raw_key: str, request_id: str):
    # A bug that even puts the key in its message: the report must still not carry it.
    with mock.patch("reps.selectors.rep_list", side_effect=RuntimeError(f"bug while serving {raw_key}")):
        return api.get("reps", headers={"X-Request-Id": request_id})


def test_a_500_reaches_sentry_once_with_the_request_id(api, key_a, sentry_transport):
    assert_error(_forced_error(api, key_a.raw_key, "req-sentry-1"), 500, "SERVER_ERROR")
    (event,) = sentry_transport.events()
    assert event["tags"]["request_id"] == "req-sentry-1"
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"


def test_the_sentry_report_holds_no_api_key(api, key_a, sentry_transport):
    _forced_error(api, key_a.raw_key, "req-sentry-2")
    assert sentry_transport.envelopes
    for envelope in sentry_transport.envelopes:
        assert key_a.raw_key.encode() not in envelope.serialize()


def test_before_send_drops_credential_headers_and_masks_secrets():
    event = {
        "request": {
            "headers": {"Authorization": "Bearer sk_live_" + "a" * 32, "X-API-Key": "rk_live_" + "b" * 32},
            "data": {"note": "secret whsec_" + "c" * 44},
        },
        "extra": {"frames": ["sk_live_" + "d" * 32]},
    }
    scrubbed = sentry_before_send(event, {})
    assert scrubbed["request"]["headers"] == {}
    assert "whsec_ccc" not in str(scrubbed) and "sk_live_ddd" not in str(scrubbed)


def test_a_500_is_logged_with_its_request_id_without_sentry(api, key_a, caplog):
    caplog.set_level("ERROR")
    _forced_error(api, key_a.raw_key, "req-log-500")
    logged = [r for r in caplog.records if r.name == "routeswit.api" and r.exc_info]
    assert [r.request_id for r in logged] == ["req-log-500"]
