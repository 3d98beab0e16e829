"""Key kinds: a read-only key reads everything and writes nothing; a restricted key only its scopes."""

import pytest

from routeswit.orgs.models import KeyKind
from tests.conftest import assert_error

NEW_REP = {"name": "Alex", "email": "alex@a.example"}


def test_secret_key_writes(api):
    assert api.post("reps", NEW_REP)[0] == 201


def test_read_only_key_reads_reps_and_teams(read_only_api, make_rep):
    rep = make_rep()
    assert read_only_api.get("reps")[0] == 200
    assert read_only_api.get(f"reps/{rep['id']}")[0] == 200
    assert read_only_api.get("teams")[0] == 200


def test_read_only_key_cannot_create(read_only_api):
    error = assert_error(read_only_api.post("reps", NEW_REP), 403, "FORBIDDEN")
    assert "reps:write" in error["message"]


def test_read_only_key_cannot_update_or_delete(read_only_api, make_rep):
    rep = make_rep()
    assert_error(read_only_api.patch(f"reps/{rep['id']}", {"name": "X"}), 403, "FORBIDDEN")
    assert_error(read_only_api.delete(f"reps/{rep['id']}"), 403, "FORBIDDEN")


def test_forbidden_write_changes_nothing(read_only_api, api, make_rep):
    rep = make_rep(name="Before")
    read_only_api.patch(f"reps/{rep['id']}", {"name": "After"})
    assert api.get(f"reps/{rep['id']}")[1]["name"] == "Before"


def test_restricted_key_outside_its_scopes_is_403_on_read(restricted_api):
    error = assert_error(restricted_api.get("reps"), 403, "FORBIDDEN")
    assert "reps:read" in error["message"]


def test_restricted_key_outside_its_scopes_is_403_on_write(restricted_api):
    assert_error(restricted_api.post("reps", NEW_REP), 403, "FORBIDDEN")


def test_restricted_read_scope_reads(key_api):
    assert key_api(kind=KeyKind.RESTRICTED, scopes=["reps:read"]).get("reps")[0] == 200


def test_restricted_read_scope_cannot_write(key_api):
    api = key_api(kind=KeyKind.RESTRICTED, scopes=["reps:read"])
    error = assert_error(api.post("reps", NEW_REP), 403, "FORBIDDEN")
    assert "reps:write" in error["message"]


def test_restricted_write_scope_implies_read(key_api, make_rep):
    rep = make_rep()
    api = key_api(kind=KeyKind.RESTRICTED, scopes=["reps:write"])
    assert api.get("reps")[0] == 200
    assert api.get(f"reps/{rep['id']}")[0] == 200


def test_restricted_write_scope_writes(key_api):
    api = key_api(kind=KeyKind.RESTRICTED, scopes=["reps:write"])
    assert api.post("reps", NEW_REP)[0] == 201
    assert api.post("teams", {"name": "EMEA"})[0] == 201


@pytest.mark.parametrize("header", ["bearer", "x-api-key"])
def test_scopes_apply_whichever_header_carries_the_key(key_api, header):
    api = key_api(kind=KeyKind.READ_ONLY, header=header)
    assert_error(api.post("reps", NEW_REP), 403, "FORBIDDEN")
