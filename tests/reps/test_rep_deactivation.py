"""DELETE /reps/{id} deactivates: 204, gone from lists, kept with ?include_inactive=true, email free again."""

from tests.conftest import assert_error


def test_delete_is_204_with_no_body(api, make_rep):
    rep = make_rep()
    status, body, _ = api.delete(f"reps/{rep['id']}")
    assert (status, body) == (204, None)


def test_deactivated_rep_leaves_the_list(api, make_rep):
    rep, kept = make_rep(), make_rep()
    api.delete(f"reps/{rep['id']}")
    assert [r["id"] for r in api.get("reps")[1]] == [kept["id"]]


def test_deactivated_rep_is_listed_with_include_inactive(api, make_rep):
    rep = make_rep()
    api.delete(f"reps/{rep['id']}")
    listed = api.get("reps", {"include_inactive": "true"})[1]
    assert [(r["id"], r["is_active"]) for r in listed] == [(rep["id"], False)]


def test_deactivated_rep_is_still_readable_by_id(api, make_rep):
    rep = make_rep()
    api.delete(f"reps/{rep['id']}")
    status, body, _ = api.get(f"reps/{rep['id']}")
    assert status == 200 and body["is_active"] is False


def test_deactivated_reps_email_can_be_reused(api, make_rep):
    rep = make_rep(email="alex@a.example")
    api.delete(f"reps/{rep['id']}")
    status, body, _ = api.post("reps", {"name": "New Alex", "email": "ALEX@a.example"})
    assert status == 201, body


def test_deactivated_rep_leaves_its_teams_member_lists(api, make_rep):
    rep, kept = make_rep(), make_rep()
    api.post("teams", {"id": "team_x", "name": "X", "members": [rep["id"], kept["id"]]})
    api.delete(f"reps/{rep['id']}")
    assert api.get("teams/team_x")[1]["members"] == [kept["id"]]


def test_deactivated_rep_cannot_join_a_team(api, make_rep):
    rep = make_rep()
    api.delete(f"reps/{rep['id']}")
    result = api.post("teams", {"name": "X", "members": [rep["id"]]})
    assert "members" in assert_error(result, 422, "VALIDATION_ERROR")["details"]


def test_delete_unknown_rep_is_404(api):
    assert_error(api.delete("reps/rep_nobody"), 404, "NOT_FOUND")
