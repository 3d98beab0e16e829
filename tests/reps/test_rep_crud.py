"""Reps through the API: create, read, update, and the read-only and defaulted fields."""

import re

from tests.conftest import assert_error

FULL = {
    "name": "Alex Rivera",
    "email": "alex@a.example",
    "status": "AWAY",
    "max_open_leads": 10,
    "max_leads_per_day": 20,
    "weight": 3,
    "timezone": "Europe/London",
    "working_hours": {"mon": [["09:00", "12:00"], ["13:00", "17:30"]], "sun": []},
    "away_until": "2099-01-01T09:00:00Z",
}


def test_create_with_only_name_and_email_gets_the_defaults(api):
    status, rep, _ = api.post("reps", {"name": "Alex", "email": "alex@a.example"})
    assert status == 201, rep
    assert re.fullmatch(r"rep_[A-Za-z0-9]{20}", rep["id"])
    assert {k: rep[k] for k in FULL} == {
        "name": "Alex",
        "email": "alex@a.example",
        "status": "AVAILABLE",
        "max_open_leads": None,
        "max_leads_per_day": None,
        "weight": 1,
        "timezone": "UTC",
        "working_hours": None,
        "away_until": None,
    }
    assert rep["teams"] == [] and rep["open_leads"] == 0 and rep["is_active"] is True


def test_create_with_every_field_returns_them(api):
    status, rep, _ = api.post("reps", FULL)
    assert status == 201, rep
    assert {k: rep[k] for k in FULL} == {**FULL, "away_until": "2099-01-01T09:00:00.000000Z"}


def test_created_rep_reads_back_the_same(api):
    _, created, _ = api.post("reps", FULL)
    status, fetched, _ = api.get(f"reps/{created['id']}")
    assert status == 200
    assert fetched == created


def test_internal_keys_never_appear(api):
    _, rep, _ = api.post("reps", FULL)
    assert not {"pk", "org", "org_id", "public_id"} & set(rep)


def test_open_leads_is_zero_and_read_only(api):
    status, rep, _ = api.post("reps", {"name": "A", "email": "a@a.example", "open_leads": 7})
    assert status == 201 and rep["open_leads"] == 0
    _, rep, _ = api.patch(f"reps/{rep['id']}", {"open_leads": 7})
    assert rep["open_leads"] == 0


def test_patch_changes_only_what_is_sent(api):
    _, rep, _ = api.post("reps", FULL)
    status, patched, _ = api.patch(f"reps/{rep['id']}", {"weight": 50, "max_open_leads": None})
    assert status == 200, patched
    assert patched == {**rep, "weight": 50, "max_open_leads": None, "updated_at": patched["updated_at"]}
    assert api.get(f"reps/{rep['id']}")[1] == patched


def test_patch_moves_updated_at(api, make_rep):
    rep = make_rep()
    _, patched, _ = api.patch(f"reps/{rep['id']}", {"name": "Renamed"})
    assert patched["updated_at"] > rep["updated_at"]
    assert patched["created_at"] == rep["created_at"]


def test_patch_validates_like_create(api, make_rep):
    rep = make_rep()
    error = assert_error(api.patch(f"reps/{rep['id']}", {"weight": 0}), 422, "VALIDATION_ERROR")
    assert list(error["details"]) == ["weight"]


def test_patch_cannot_change_the_id(api, make_rep):
    rep = make_rep()
    error = assert_error(api.patch(f"reps/{rep['id']}", {"id": "rep_other"}), 422, "VALIDATION_ERROR")
    assert list(error["details"]) == ["id"]


def test_patch_with_its_own_id_is_fine(api, make_rep):
    rep = make_rep()
    assert api.patch(f"reps/{rep['id']}", {"id": rep["id"], "name": "Same"})[0] == 200


def test_timestamps_end_in_z(api):
    _, rep, _ = api.post("reps", FULL)
    for field in ("created_at", "updated_at", "away_until"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", rep[field]), (field, rep[field])


def test_timestamps_sent_with_an_offset_come_back_in_utc(api):
    _, rep, _ = api.post("reps", {**FULL, "away_until": "2099-01-01T12:00:00+02:00"})
    assert rep["away_until"] == "2099-01-01T10:00:00.000000Z"


def test_team_timestamps_end_in_z(api):
    _, team, _ = api.post("teams", {"name": "EMEA"})
    assert team["created_at"].endswith("Z") and team["updated_at"].endswith("Z")
