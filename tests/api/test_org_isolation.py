"""A key of organization B sees nothing of organization A: its ids are 404 as if absent, its rows unlisted."""

import pytest

from tests.conftest import assert_error


@pytest.fixture
def a_rows(api):
    rep = api.post("reps", {"id": "rep_a_only", "name": "A rep", "email": "shared@x.example"})[1]
    team = api.post("teams", {"id": "team_a_only", "name": "A team", "members": [rep["id"]]})[1]
    return {"rep": rep, "team": team}


def _without_request_id(body: dict) -> dict:
    error = dict(body["error"])
    error.pop("request_id")
    return error


SWEEP = [
    ("get", "reps/{rep}", None),
    ("patch", "reps/{rep}", {"name": "Taken over"}),
    ("delete", "reps/{rep}", None),
    ("get", "teams/{team}", None),
    ("patch", "teams/{team}", {"name": "Taken over"}),
    ("delete", "teams/{team}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), SWEEP, ids=[f"{m} {p}" for m, p, _ in SWEEP])
def test_other_orgs_id_is_404_like_an_absent_one(api_b, a_rows, method, path, body):
    ids = {"rep": a_rows["rep"]["id"], "team": a_rows["team"]["id"]}
    kwargs = {} if body is None else {"body": body}
    foreign = getattr(api_b, method)(path.format(**ids), **kwargs)
    absent = getattr(api_b, method)(path.format(rep="rep_absent", team="team_absent"), **kwargs)
    assert_error(foreign, 404, "NOT_FOUND")
    assert_error(absent, 404, "NOT_FOUND")
    assert _without_request_id(foreign[1]) == _without_request_id(absent[1])


@pytest.mark.parametrize(("method", "path", "body"), SWEEP, ids=[f"{m} {p}" for m, p, _ in SWEEP])
def test_other_orgs_calls_change_nothing(api, api_b, a_rows, method, path, body):
    ids = {"rep": a_rows["rep"]["id"], "team": a_rows["team"]["id"]}
    getattr(api_b, method)(path.format(**ids), **({} if body is None else {"body": body}))
    rep = api.get(f"reps/{ids['rep']}")[1]
    team = api.get(f"teams/{ids['team']}")[1]
    assert (rep["name"], rep["is_active"]) == ("A rep", True)
    assert (team["name"], team["is_active"], team["members"]) == ("A team", True, [ids["rep"]])


def test_rep_list_shows_only_own_org(api, api_b, a_rows):
    b_rep = api_b.post("reps", {"name": "B rep", "email": "b@x.example"})[1]
    assert [r["id"] for r in api_b.get("reps")[1]] == [b_rep["id"]]
    assert [r["id"] for r in api.get("reps")[1]] == [a_rows["rep"]["id"]]


def test_team_list_shows_only_own_org(api_b, a_rows):
    b_team = api_b.post("teams", {"name": "B team"})[1]
    assert [t["id"] for t in api_b.get("teams")[1]] == [b_team["id"]]


def test_inactive_list_shows_only_own_org(api, api_b, a_rows):
    api.delete(f"reps/{a_rows['rep']['id']}")
    api.delete(f"teams/{a_rows['team']['id']}")
    assert api_b.get("reps", {"include_inactive": "true"})[1] == []
    assert api_b.get("teams", {"include_inactive": "true"})[1] == []


def test_filters_never_reach_another_org(api_b, a_rows):
    assert api_b.get("reps", {"email": "shared@x.example"})[1] == []
    assert api_b.get("reps", {"team": a_rows["team"]["id"]})[1] == []
    assert api_b.get("reps", {"status": "AVAILABLE"})[1] == []


def test_other_orgs_id_is_not_a_cursor(api_b, a_rows):
    error = assert_error(api_b.get("reps", {"starting_after": a_rows["rep"]["id"]}), 422, "VALIDATION_ERROR")
    assert "starting_after" in error["details"]


def test_other_orgs_rep_cannot_join_a_team(api_b, a_rows):
    result = api_b.post("teams", {"name": "B team", "members": [a_rows["rep"]["id"]]})
    assert "members" in assert_error(result, 422, "VALIDATION_ERROR")["details"]


def test_other_orgs_team_cannot_be_joined(api_b, a_rows):
    result = api_b.post("reps", {"name": "B", "email": "b@x.example", "teams": [a_rows["team"]["id"]]})
    assert "teams" in assert_error(result, 422, "VALIDATION_ERROR")["details"]


def test_same_email_is_allowed_in_two_orgs(api_b, a_rows):
    assert api_b.post("reps", {"name": "B", "email": "SHARED@x.example"})[0] == 201
