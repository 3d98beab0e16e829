"""Client-chosen ids: `rep_` + 1-64 of A-Za-z0-9_-, unique per organization, free across organizations."""

import pytest

from tests.conftest import assert_error

VALID = {"name": "London Office", "email": "london@a.example"}


def test_client_chosen_id_is_kept(api):
    status, rep, _ = api.post("reps", {**VALID, "id": "rep_london_office"})
    assert status == 201, rep
    assert rep["id"] == "rep_london_office"
    assert api.get("reps/rep_london_office")[1]["name"] == "London Office"


@pytest.mark.parametrize("chosen", ["rep_a", "rep_" + "x" * 64, "rep_A-z_0-9"])
def test_client_chosen_id_edges_are_accepted(api, chosen):
    assert api.post("reps", {**VALID, "id": chosen})[1]["id"] == chosen


@pytest.mark.parametrize(
    "chosen",
    [
        "london_office",
        "rep_",
        "rep_london office",
        "rep_" + "x" * 65,
        "team_london",
        "rep_lön",
        "rep_a/b",
        "",
    ],
    ids=["no-prefix", "empty-body", "space", "too-long", "wrong-prefix", "non-ascii", "slash", "empty"],
)
def test_invalid_client_chosen_id_is_422(api, chosen):
    error = assert_error(api.post("reps", {**VALID, "id": chosen}), 422, "VALIDATION_ERROR")
    assert list(error["details"]) == ["id"]


def test_duplicate_chosen_id_in_one_org_is_409(api):
    api.post("reps", {**VALID, "id": "rep_london_office"})
    result = api.post("reps", {"name": "Other", "email": "other@a.example", "id": "rep_london_office"})
    assert "rep_london_office" in assert_error(result, 409, "CONFLICT")["message"]


def test_chosen_id_of_a_deactivated_rep_stays_taken(api):
    api.post("reps", {**VALID, "id": "rep_london_office"})
    api.delete("reps/rep_london_office")
    result = api.post("reps", {"name": "Other", "email": "other@a.example", "id": "rep_london_office"})
    assert_error(result, 409, "CONFLICT")


def test_same_chosen_id_in_two_orgs_is_allowed(api, api_b):
    assert api.post("reps", {**VALID, "id": "rep_london_office"})[0] == 201
    assert api_b.post("reps", {**VALID, "id": "rep_london_office"})[0] == 201
    assert api.get("reps/rep_london_office")[1]["email"] == "london@a.example"


def test_team_chosen_id_is_kept(api):
    assert api.post("teams", {"id": "team_emea", "name": "EMEA"})[1]["id"] == "team_emea"


def test_invalid_team_chosen_id_is_422(api):
    error = assert_error(api.post("teams", {"id": "rep_emea", "name": "EMEA"}), 422, "VALIDATION_ERROR")
    assert list(error["details"]) == ["id"]


def test_duplicate_team_chosen_id_is_409(api):
    api.post("teams", {"id": "team_emea", "name": "EMEA"})
    assert_error(api.post("teams", {"id": "team_emea", "name": "Again"}), 409, "CONFLICT")


def test_same_team_chosen_id_in_two_orgs_is_allowed(api, api_b):
    assert api.post("teams", {"id": "team_emea", "name": "EMEA"})[0] == 201
    assert api_b.post("teams", {"id": "team_emea", "name": "EMEA"})[0] == 201
