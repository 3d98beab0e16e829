"""The Django admin lists API keys without ever showing the hash, and revokes them."""

import pytest

from routeswit.orgs.models import ApiKey
from tests.conftest import Api, assert_error

CHANGELIST = "/admin/orgs/apikey/"


@pytest.fixture
def key_pages(admin_client, key_a):
    pk = key_a.api_key.pk
    pages = [admin_client.get(CHANGELIST), admin_client.get(f"{CHANGELIST}{pk}/change/")]
    assert [p.status_code for p in pages] == [200, 200]
    return [p.content.decode() for p in pages]


def test_key_pages_never_show_the_hash(key_pages, key_a):
    assert all(key_a.api_key.hashed_key not in html for html in key_pages)


def test_key_pages_never_show_the_raw_key(key_pages, key_a):
    assert all(key_a.raw_key[8:] not in html for html in key_pages)


def test_key_pages_show_the_masked_key(key_pages, key_a):
    assert all(key_a.api_key.display in html for html in key_pages)


def test_keys_cannot_be_added_in_the_admin(admin_client, db):
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403


def test_change_page_cannot_edit_the_key(admin_client, key_a):
    admin_client.post(f"{CHANGELIST}{key_a.api_key.pk}/change/", {"name": "renamed", "kind": "read_only"})
    key = ApiKey.objects.get(pk=key_a.api_key.pk)
    assert (key.name, key.kind) == ("A secret", "secret")


def test_revoke_action_revokes_the_selected_keys(admin_client, key_a, key_b):
    response = admin_client.post(CHANGELIST, {"action": "revoke", "_selected_action": [key_a.api_key.pk]})
    assert response.status_code == 302
    assert ApiKey.objects.get(pk=key_a.api_key.pk).revoked_at is not None
    assert ApiKey.objects.get(pk=key_b.api_key.pk).revoked_at is None


def test_key_revoked_in_the_admin_fails_on_the_api(admin_client, key_a):
    api = Api(key_a.raw_key)
    assert api.get("reps")[0] == 200
    admin_client.post(CHANGELIST, {"action": "revoke", "_selected_action": [key_a.api_key.pk]})
    assert_error(api.get("reps"), 401, "UNAUTHORIZED")


def test_non_staff_user_cannot_see_keys(client, users, key_a):
    client.force_login(users["admin"])
    response = client.get(CHANGELIST)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
