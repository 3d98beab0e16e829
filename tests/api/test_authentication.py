"""API keys: both header forms, every way a key can be missing or wrong, revocation, last_used_at."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from routeswit.orgs.models import ApiKey
from routeswit.orgs.services import api_key_revoke
from tests.conftest import Api, assert_error


def test_bearer_header_authenticates(key_a):
    status, body, _ = Api(key_a.raw_key, header="bearer").get("reps")
    assert status == 200, body


def test_x_api_key_header_authenticates(key_a):
    status, body, _ = Api(key_a.raw_key, header="x-api-key").get("reps")
    assert status == 200, body


def test_bearer_scheme_is_case_insensitive(key_a):
    status, body, _ = Api(None).get("reps", headers={"Authorization": f"bearer {key_a.raw_key}"})
    assert status == 200, body


def test_missing_key_is_401(db):
    error = assert_error(Api(None).get("reps"), 401, "UNAUTHORIZED")
    assert "key" in error["message"].lower()


def test_401_names_the_bearer_scheme(db):
    _, _, response = Api(None).get("reps")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Token sk_live_abc", "Bearer", "Bearer   ", "sk_live_nobearerprefix"],
    ids=["basic", "token-scheme", "bearer-without-key", "bearer-blank", "no-scheme"],
)
def test_malformed_authorization_header_is_401(key_a, header):
    assert_error(Api(None).get("reps", headers={"Authorization": header}), 401, "UNAUTHORIZED")


def test_blank_x_api_key_header_is_401(db):
    assert_error(Api(None).get("reps", headers={"X-API-Key": " "}), 401, "UNAUTHORIZED")


@pytest.mark.parametrize(
    "raw_key",
    ["sk_live_" + "A" * 32, "rk_live_" + "A" * 32, "sk_live_short", "pk_live_" + "A" * 32],
    ids=["unknown-secret", "unknown-restricted", "wrong-length", "wrong-prefix"],
)
def test_unknown_key_is_401(db, raw_key):
    assert_error(Api(raw_key).get("reps"), 401, "UNAUTHORIZED")


def test_key_with_right_lookup_but_wrong_rest_is_401(key_a):
    forged = key_a.raw_key[:16] + ("B" if key_a.raw_key[16] != "B" else "C") + key_a.raw_key[17:]
    assert_error(Api(forged).get("reps"), 401, "UNAUTHORIZED")


def test_revoked_key_fails_on_the_next_call(key_a):
    api = Api(key_a.raw_key)
    assert api.get("reps")[0] == 200
    api_key_revoke(api_key=ApiKey.objects.get(pk=key_a.api_key.pk))
    assert_error(api.get("reps"), 401, "UNAUTHORIZED")


def test_revoked_key_fails_in_the_x_api_key_header_too(key_a):
    api_key_revoke(api_key=key_a.api_key)
    assert_error(Api(key_a.raw_key, header="x-api-key").get("reps"), 401, "UNAUTHORIZED")


def test_authorization_header_wins_over_x_api_key(key_a):
    result = Api(None).get(
        "reps", headers={"Authorization": "Bearer sk_live_" + "A" * 32, "X-API-Key": key_a.raw_key}
    )
    assert_error(result, 401, "UNAUTHORIZED")


def test_first_use_sets_last_used_at(key_a, api):
    assert key_a.api_key.last_used_at is None
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        api.get("reps")
    assert ApiKey.objects.get(pk=key_a.api_key.pk).last_used_at == now


def test_last_used_at_is_not_rewritten_within_a_minute(key_a, api):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        api.get("reps")
        traveller.shift(timedelta(seconds=59))
        api.get("reps")
    assert ApiKey.objects.get(pk=key_a.api_key.pk).last_used_at == start


def test_last_used_at_moves_on_after_a_minute(key_a, api):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        api.get("reps")
        traveller.shift(timedelta(seconds=61))
        api.get("reps")
    assert ApiKey.objects.get(pk=key_a.api_key.pk).last_used_at == start + timedelta(seconds=61)


def test_failed_authentication_does_not_touch_last_used_at(key_a):
    api_key_revoke(api_key=key_a.api_key)
    Api(key_a.raw_key).get("reps")
    assert ApiKey.objects.get(pk=key_a.api_key.pk).last_used_at is None
