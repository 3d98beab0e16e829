"""Idempotency-Key on POST: replays, conflicts, concurrency, expiry and release after errors."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from contacts.models import Activity, Contact
from routeswit.api import idempotency
from routeswit.orgs.models import IdempotencyKey
from tests.conftest import Api, assert_error

BODY = {"external_id": "crm-1", "email": "ada@acme.example", "first_name": "Ada"}


def post(api, path, body, key):
    return api.post(path, body, headers={"Idempotency-Key": key})


def test_same_key_and_body_replays_status_body_and_header(api):
    status, first, response = post(api, "contacts", BODY, "k-1")
    assert status == 201 and "Idempotent-Replayed" not in response
    api.post("contacts", {"external_id": "crm-1", "first_name": "Changed since"})
    status, replay, response = post(api, "contacts", BODY, "k-1")
    assert status == 201
    assert replay == first
    assert response["Idempotent-Replayed"] == "true"


def test_replay_runs_nothing_again(api):
    _, contact, _ = api.post("contacts", BODY)
    path = f"contacts/{contact['id']}/activities"
    for _ in range(3):
        assert post(api, path, {"type": "CALL"}, "k-act")[0] == 201
    assert Activity.objects.count() == 1


def test_same_key_with_a_different_body_is_409(api):
    post(api, "contacts", BODY, "k-2")
    error = assert_error(post(api, "contacts", {**BODY, "first_name": "Eve"}, "k-2"), 409, "CONFLICT")
    assert "Idempotency-Key" in error["message"]


def test_same_key_on_a_different_path_is_409(api):
    _, contact, _ = post(api, "contacts", BODY, "k-3")
    assert_error(post(api, f"contacts/{contact['id']}/activities", BODY, "k-3"), 409, "CONFLICT")


def test_key_over_255_characters_is_422_naming_the_header(api):
    error = assert_error(post(api, "contacts", BODY, "k" * 256), 422, "VALIDATION_ERROR")
    assert "Idempotency-Key" in error["details"]
    assert Contact.objects.count() == 0


def test_key_of_255_characters_is_accepted(api):
    assert post(api, "contacts", BODY, "k" * 255)[0] == 201


def test_validation_failure_is_not_stored_so_the_key_can_be_retried(api):
    assert_error(post(api, "contacts", {"email": "not-an-email"}, "k-4"), 422, "VALIDATION_ERROR")
    status, _, response = post(api, "contacts", BODY, "k-4")
    assert status == 201 and "Idempotent-Replayed" not in response


def test_keys_are_per_organization(api, api_b):
    _, mine, _ = post(api, "contacts", BODY, "shared")
    status, theirs, response = post(api_b, "contacts", BODY, "shared")
    assert status == 201 and theirs["id"] != mine["id"] and "Idempotent-Replayed" not in response


def test_key_expires_after_24_hours(api, time_machine):
    time_machine.move_to(timezone.now(), tick=True)
    post(api, "contacts", BODY, "k-5")
    time_machine.shift(timedelta(hours=24, seconds=1))
    status, body, response = post(api, "contacts", {"email": "eve@x.example"}, "k-5")
    assert status == 201 and body["email"] == "eve@x.example" and "Idempotent-Replayed" not in response


def test_key_still_replays_just_before_24_hours(api, time_machine):
    time_machine.move_to(timezone.now(), tick=True)
    post(api, "contacts", BODY, "k-6")
    time_machine.shift(timedelta(hours=23, minutes=59))
    assert post(api, "contacts", BODY, "k-6")[2]["Idempotent-Replayed"] == "true"


def test_purge_deletes_keys_older_than_24_hours(api, time_machine):
    time_machine.move_to(timezone.now(), tick=True)
    post(api, "contacts", BODY, "old")
    time_machine.shift(timedelta(hours=23))
    post(api, "contacts", {"email": "new@x.example"}, "new")
    time_machine.shift(timedelta(hours=1, seconds=1))
    assert idempotency.idempotency_keys_purge() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_duplicate_of_a_request_in_progress_is_409(api, org_a, monkeypatch):
    monkeypatch.setattr(idempotency, "WAIT_FOR_RESULT_SECONDS", 0.1)
    fingerprint = idempotency.request_fingerprint(method="POST", path="/api/v1/contacts", data=BODY)
    IdempotencyKey.objects.create(
        org=org_a,
        key="busy",
        fingerprint=fingerprint,
        method="POST",
        path="/api/v1/contacts",
        created_at=timezone.now(),
    )
    error = assert_error(post(api, "contacts", BODY, "busy"), 409, "CONFLICT")
    assert "in progress" in error["message"]


def test_claim_abandoned_by_a_dead_request_is_taken_over(api, org_a):
    IdempotencyKey.objects.create(
        org=org_a,
        key="dead",
        fingerprint="0" * 64,
        method="POST",
        path="/api/v1/contacts",
        created_at=timezone.now() - idempotency.ABANDONED_AFTER - timedelta(seconds=1),
    )
    assert post(api, "contacts", BODY, "dead")[0] == 201


def test_requests_without_the_header_are_not_deduplicated(api):
    _, contact, _ = api.post("contacts", BODY)
    for _ in range(2):
        api.post(f"contacts/{contact['id']}/activities", {"type": "NOTE"})
    assert Activity.objects.count() == 2


def test_header_is_ignored_on_get(api):
    assert api.get("contacts", headers={"Idempotency-Key": "k" * 300})[0] == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_write_exactly_once(key_a):
    _, contact, _ = Api(key_a.raw_key).post("contacts", BODY)
    path = f"contacts/{contact['id']}/activities"
    barrier = threading.Barrier(2)
    results = [None, None]

    def send(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = post(Api(key_a.raw_key), path, {"type": "CALL", "notes": "once"}, "race")
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert Activity.objects.count() == 1
    fresh = [r for r in results if r[0] == 201 and "Idempotent-Replayed" not in r[2]]
    assert len(fresh) == 1
    other = next(r for r in results if r is not fresh[0])
    # The duplicate either waited and replayed the first result, or was told the key is in progress.
    if other[0] == 201:
        assert other[2]["Idempotent-Replayed"] == "true" and other[1] == fresh[0][1]
    else:
        assert_error(other, 409, "CONFLICT")
