"""A key is prefix + 32 base62 characters, shown once, stored only as a hash, listed as sk_live_…last4."""

import re

import pytest

from routeswit.orgs.models import ApiKey, KeyKind
from routeswit.orgs.services import api_key_create


@pytest.mark.parametrize(
    ("kind", "scopes", "prefix"),
    [
        (KeyKind.SECRET, None, "sk_live_"),
        (KeyKind.READ_ONLY, None, "rk_live_"),
        (KeyKind.RESTRICTED, ["reps:read"], "rk_live_"),
    ],
)
def test_key_format(org_a, kind, scopes, prefix):
    raw = api_key_create(org=org_a, kind=kind, scopes=scopes).raw_key
    assert re.fullmatch(re.escape(prefix) + r"[A-Za-z0-9]{32}", raw)


def test_raw_key_is_in_no_column(key_a):
    row = ApiKey.objects.filter(pk=key_a.api_key.pk).values().get()
    assert not [name for name, value in row.items() if key_a.raw_key in str(value)]


def test_raw_key_secret_part_is_in_no_column(key_a):
    secret_tail = key_a.raw_key[16:]
    row = ApiKey.objects.filter(pk=key_a.api_key.pk).values().get()
    assert not [name for name, value in row.items() if secret_tail in str(value)]


def test_hash_is_a_sha256_hex_digest(key_a):
    assert re.fullmatch(r"[0-9a-f]{64}", key_a.api_key.hashed_key)


def test_display_is_prefix_and_last_four(key_a):
    assert key_a.api_key.display == f"sk_live_…{key_a.raw_key[-4:]}"
    assert str(key_a.api_key).endswith(f"(sk_live_…{key_a.raw_key[-4:]})")


def test_keys_are_unique(org_a):
    raws = {api_key_create(org=org_a).raw_key for _ in range(20)}
    assert len(raws) == 20


def test_key_ids_are_public_ids(key_a):
    assert re.fullmatch(r"key_[A-Za-z0-9]{20}", key_a.api_key.public_id)
