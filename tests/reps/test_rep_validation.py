"""One test per rep field rule: a 422 VALIDATION_ERROR whose details name the field."""

import pytest

from tests.conftest import assert_error

VALID = {"name": "Alex", "email": "alex@a.example"}


def _invalid(api, **fields) -> dict:
    return assert_error(api.post("reps", {**VALID, **fields}), 422, "VALIDATION_ERROR")


def test_name_is_required(api):
    error = assert_error(api.post("reps", {"email": "a@a.example"}), 422, "VALIDATION_ERROR")
    assert error["message"] == "name is required"
    assert list(error["details"]) == ["name"]


def test_email_is_required(api):
    error = assert_error(api.post("reps", {"name": "A"}), 422, "VALIDATION_ERROR")
    assert error["message"] == "email is required"


def test_blank_name_is_refused(api):
    assert list(_invalid(api, name="")["details"]) == ["name"]


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@a.example", 42])
def test_bad_email_is_refused(api, email):
    assert list(_invalid(api, email=email)["details"]) == ["email"]


@pytest.mark.parametrize("status", ["BUSY", "available", ""])
def test_status_outside_available_away_offline_is_refused(api, status):
    assert list(_invalid(api, status=status)["details"]) == ["status"]


def test_weight_0_is_refused(api):
    assert list(_invalid(api, weight=0)["details"]) == ["weight"]


def test_weight_101_is_refused(api):
    assert list(_invalid(api, weight=101)["details"]) == ["weight"]


@pytest.mark.parametrize("weight", [1, 100])
def test_weight_bounds_are_accepted(api, weight):
    assert api.post("reps", {**VALID, "weight": weight})[1]["weight"] == weight


def test_negative_max_open_leads_is_refused(api):
    assert list(_invalid(api, max_open_leads=-1)["details"]) == ["max_open_leads"]


def test_negative_max_leads_per_day_is_refused(api):
    assert list(_invalid(api, max_leads_per_day=-1)["details"]) == ["max_leads_per_day"]


@pytest.mark.parametrize("tz", ["Mars/Olympus", "GMT+2", "europe/london", ""])
def test_non_iana_timezone_is_refused(api, tz):
    assert list(_invalid(api, timezone=tz)["details"]) == ["timezone"]


def test_iana_timezone_is_accepted(api):
    assert api.post("reps", {**VALID, "timezone": "America/Argentina/Buenos_Aires"})[0] == 201


def _working_hours_error(api, working_hours) -> dict:
    details = _invalid(api, working_hours=working_hours)["details"]
    assert all(key.startswith("working_hours") for key in details), details
    return details


def test_working_hours_unknown_day_is_refused(api):
    assert list(_working_hours_error(api, {"funday": [["09:00", "17:00"]]})) == ["working_hours.funday"]


@pytest.mark.parametrize("bad", ["9:00", "25:00", "09:60", "0900", "24:01"])
def test_working_hours_bad_hh_mm_is_refused(api, bad):
    assert list(_working_hours_error(api, {"mon": [[bad, "17:00"]]})) == ["working_hours.mon[0]"]


def test_working_hours_start_after_end_is_refused(api):
    assert list(_working_hours_error(api, {"mon": [["17:00", "09:00"]]})) == ["working_hours.mon[0]"]


def test_working_hours_empty_range_is_refused(api):
    assert list(_working_hours_error(api, {"tue": [["09:00", "09:00"]]})) == ["working_hours.tue[0]"]


def test_working_hours_day_not_a_list_is_refused(api):
    assert list(_working_hours_error(api, {"mon": "09:00-17:00"})) == ["working_hours.mon"]


def test_working_hours_range_not_a_pair_is_refused(api):
    assert list(_working_hours_error(api, {"wed": [["09:00"]]})) == ["working_hours.wed[0]"]


@pytest.mark.parametrize("shape", [["09:00", "17:00"], "always", 9])
def test_working_hours_not_an_object_is_refused(api, shape):
    assert list(_working_hours_error(api, shape)) == ["working_hours"]


def test_working_hours_may_end_at_midnight(api):
    assert api.post("reps", {**VALID, "working_hours": {"fri": [["18:00", "24:00"]]}})[0] == 201


def test_working_hours_null_means_always(api):
    assert api.post("reps", {**VALID, "working_hours": None})[1]["working_hours"] is None


def test_away_until_must_be_a_datetime(api):
    assert list(_invalid(api, away_until="next tuesday")["details"]) == ["away_until"]


def test_unknown_team_is_refused(api):
    assert list(_invalid(api, teams=["team_nope"])["details"]) == ["teams"]


def test_invalid_input_creates_nothing(api):
    _invalid(api, weight=0)
    assert api.get("reps")[1] == []


@pytest.mark.parametrize("field", ["max_open_leads", "max_leads_per_day"])
def test_cap_beyond_the_database_integer_is_refused(api, field):
    assert list(_invalid(api, **{field: 2**31})["details"]) == [field]


@pytest.mark.parametrize("field", ["max_open_leads", "max_leads_per_day"])
def test_largest_cap_is_accepted(api, field):
    assert api.post("reps", {**VALID, field: 2**31 - 1})[1][field] == 2**31 - 1


def test_unknown_team_creates_no_rep(api):
    _invalid(api, teams=["team_nope"])
    assert api.get("reps", {"include_inactive": "true"})[1] == []
