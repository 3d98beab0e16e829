"""A rep's email is unique per organization among active reps, compared case-insensitively."""

from tests.conftest import assert_error


def test_duplicate_email_is_409(api, make_rep):
    make_rep(email="alex@a.example")
    assert_error(api.post("reps", {"name": "B", "email": "alex@a.example"}), 409, "CONFLICT")


def test_duplicate_email_differing_in_case_is_409(api, make_rep):
    make_rep(email="alex@a.example")
    assert_error(api.post("reps", {"name": "B", "email": "Alex@A.Example"}), 409, "CONFLICT")


def test_patch_to_a_taken_email_is_409(api, make_rep):
    make_rep(email="alex@a.example")
    other = make_rep(email="sam@a.example")
    assert_error(api.patch(f"reps/{other['id']}", {"email": "ALEX@a.example"}), 409, "CONFLICT")
    assert api.get(f"reps/{other['id']}")[1]["email"] == "sam@a.example"


def test_patch_to_own_email_in_another_case_is_fine(api, make_rep):
    rep = make_rep(email="alex@a.example")
    status, body, _ = api.patch(f"reps/{rep['id']}", {"email": "Alex@a.example"})
    assert status == 200, body


def test_conflict_creates_nothing(api, make_rep):
    make_rep(email="alex@a.example")
    api.post("reps", {"name": "B", "email": "ALEX@a.example"})
    assert len(api.get("reps")[1]) == 1
