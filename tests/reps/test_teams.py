"""Teams through the API: members by rep id, updates, deactivation, and the team filter on reps."""

from tests.conftest import assert_error


def test_create_team_with_members(api, make_rep):
    reps = [make_rep()["id"], make_rep()["id"]]
    status, team, _ = api.post("teams", {"id": "team_x", "name": "X", "members": reps})
    assert status == 201, team
    assert (team["id"], team["name"], sorted(team["members"]), team["is_active"]) == (
        "team_x",
        "X",
        sorted(reps),
        True,
    )


def test_team_without_members_is_empty(api):
    status, team, _ = api.post("teams", {"name": "Solo"})
    assert status == 201 and team["members"] == [] and team["id"].startswith("team_")


def test_team_name_is_required(api):
    error = assert_error(api.post("teams", {"members": []}), 422, "VALIDATION_ERROR")
    assert error["message"] == "name is required"


def test_unknown_member_is_422(api, make_rep):
    rep = make_rep()
    result = api.post("teams", {"name": "X", "members": [rep["id"], "rep_nobody"]})
    error = assert_error(result, 422, "VALIDATION_ERROR")
    assert list(error["details"]) == ["members"]
    assert "rep_nobody" in error["details"]["members"][0]
    assert api.get("teams")[1] == []


def test_get_team(api, make_rep):
    rep = make_rep()
    _, created, _ = api.post("teams", {"id": "team_x", "name": "X", "members": [rep["id"]]})
    assert api.get("teams/team_x")[:2] == (200, created)


def test_rep_lists_its_teams(api, make_rep):
    rep = make_rep()
    api.post("teams", {"id": "team_x", "name": "X", "members": [rep["id"]]})
    assert api.get(f"reps/{rep['id']}")[1]["teams"] == ["team_x"]


def test_rep_created_into_a_team(api):
    api.post("teams", {"id": "team_x", "name": "X"})
    _, rep, _ = api.post("reps", {"name": "A", "email": "a@a.example", "teams": ["team_x"]})
    assert rep["teams"] == ["team_x"]
    assert api.get("teams/team_x")[1]["members"] == [rep["id"]]


def test_patch_team_members_replaces_them(api, make_rep):
    first, second = make_rep()["id"], make_rep()["id"]
    api.post("teams", {"id": "team_x", "name": "X", "members": [first]})
    status, team, _ = api.patch("teams/team_x", {"members": [second]})
    assert status == 200 and team["members"] == [second]


def test_patch_team_name_keeps_members(api, make_rep):
    rep = make_rep()["id"]
    api.post("teams", {"id": "team_x", "name": "X", "members": [rep]})
    _, team, _ = api.patch("teams/team_x", {"name": "Renamed"})
    assert (team["name"], team["members"]) == ("Renamed", [rep])


def test_patch_team_with_unknown_member_is_422_and_changes_nothing(api, make_rep):
    rep = make_rep()["id"]
    api.post("teams", {"id": "team_x", "name": "X", "members": [rep]})
    assert_error(api.patch("teams/team_x", {"members": ["rep_nobody"]}), 422, "VALIDATION_ERROR")
    assert api.get("teams/team_x")[1]["members"] == [rep]


def test_team_filter_on_reps(api, make_rep):
    inside, _outside = make_rep()["id"], make_rep()["id"]
    api.post("teams", {"id": "team_x", "name": "X", "members": [inside]})
    assert [r["id"] for r in api.get("reps", {"team": "team_x"})[1]] == [inside]


def test_delete_team_is_204_and_leaves_the_list(api):
    api.post("teams", {"id": "team_x", "name": "X"})
    status, body, _ = api.delete("teams/team_x")
    assert (status, body) == (204, None)
    assert api.get("teams")[1] == []
    assert [t["id"] for t in api.get("teams", {"include_inactive": "true"})[1]] == ["team_x"]


def test_deleted_team_leaves_its_members_team_lists(api, make_rep):
    rep = make_rep()["id"]
    api.post("teams", {"id": "team_x", "name": "X", "members": [rep]})
    api.delete("teams/team_x")
    assert api.get(f"reps/{rep}")[1]["teams"] == []
    assert api.get(f"reps/{rep}")[1]["is_active"] is True


def test_deleted_team_cannot_be_joined(api, make_rep):
    api.post("teams", {"id": "team_x", "name": "X"})
    api.delete("teams/team_x")
    result = api.post("reps", {"name": "A", "email": "a@a.example", "teams": ["team_x"]})
    assert list(assert_error(result, 422, "VALIDATION_ERROR")["details"]) == ["teams"]


def test_delete_unknown_team_is_404(api):
    assert_error(api.delete("teams/team_nobody"), 404, "NOT_FOUND")


def test_team_filter_ignores_a_deleted_team(api, make_rep):
    rep = make_rep()["id"]
    api.post("teams", {"id": "team_x", "name": "X", "members": [rep]})
    api.delete("teams/team_x")
    assert api.get("reps", {"team": "team_x"})[1] == []
