"""GET /reps filters: status (effective), team, email (case-insensitive), include_inactive."""

import pytest

from tests.conftest import assert_error


@pytest.fixture
def reps(make_rep):
    return {
        "available": make_rep(status="AVAILABLE", email="avail@a.example"),
        "away": make_rep(status="AWAY"),
        "offline": make_rep(status="OFFLINE"),
    }


def _ids(result) -> list[str]:
    status, body, _ = result
    assert status == 200, body
    return [r["id"] for r in body]


@pytest.mark.parametrize("status", ["AVAILABLE", "AWAY", "OFFLINE"])
def test_status_filter(api, reps, status):
    assert _ids(api.get("reps", {"status": status})) == [reps[status.lower()]["id"]]


def test_unknown_status_filter_is_422(api, reps):
    error = assert_error(api.get("reps", {"status": "BUSY"}), 422, "VALIDATION_ERROR")
    assert "status" in error["details"]


def test_email_filter_is_case_insensitive(api, reps):
    assert _ids(api.get("reps", {"email": "AVAIL@a.example"})) == [reps["available"]["id"]]


def test_email_filter_matches_whole_addresses_only(api, reps):
    assert _ids(api.get("reps", {"email": "avail"})) == []


def test_team_filter(api, reps):
    members = [reps["away"]["id"], reps["offline"]["id"]]
    api.post("teams", {"id": "team_x", "name": "X", "members": members})
    assert _ids(api.get("reps", {"team": "team_x"})) == members


def test_rep_in_two_teams_is_listed_once(api, reps):
    rep_id = reps["away"]["id"]
    api.post("teams", {"id": "team_x", "name": "X", "members": [rep_id]})
    api.post("teams", {"id": "team_y", "name": "Y", "members": [rep_id]})
    assert _ids(api.get("reps")) == [r["id"] for r in reps.values()]


def test_filters_combine(api, reps):
    api.post("teams", {"id": "team_x", "name": "X", "members": [reps["away"]["id"], reps["offline"]["id"]]})
    assert _ids(api.get("reps", {"team": "team_x", "status": "OFFLINE"})) == [reps["offline"]["id"]]
