"""`away_until`: an AWAY rep reads (and filters) as AVAILABLE once it has passed, with no job to flip it."""

from datetime import timedelta

import time_machine
from django.utils import timezone

PAST = "2020-01-01T00:00:00Z"
FUTURE = "2099-01-01T00:00:00Z"


def _status_ids(api, status) -> list[str]:
    return [r["id"] for r in api.get("reps", {"status": status})[1]]


def test_away_rep_past_away_until_reads_available(api, make_rep):
    rep = make_rep(status="AWAY", away_until=PAST)
    assert rep["status"] == "AVAILABLE"
    assert api.get(f"reps/{rep['id']}")[1]["status"] == "AVAILABLE"


def test_away_rep_past_away_until_is_in_the_available_filter(api, make_rep):
    rep = make_rep(status="AWAY", away_until=PAST)
    assert _status_ids(api, "AVAILABLE") == [rep["id"]]
    assert _status_ids(api, "AWAY") == []


def test_away_rep_before_away_until_stays_away(api, make_rep):
    rep = make_rep(status="AWAY", away_until=FUTURE)
    assert rep["status"] == "AWAY"
    assert _status_ids(api, "AWAY") == [rep["id"]]
    assert _status_ids(api, "AVAILABLE") == []


def test_away_rep_without_away_until_stays_away(api, make_rep):
    assert make_rep(status="AWAY")["status"] == "AWAY"


def test_offline_rep_is_not_revived_by_away_until(api, make_rep):
    rep = make_rep(status="OFFLINE", away_until=PAST)
    assert rep["status"] == "OFFLINE"
    assert _status_ids(api, "AVAILABLE") == []


def test_away_rep_becomes_available_when_the_clock_passes_away_until(api, make_rep):
    back_at = timezone.now() + timedelta(hours=1)
    rep = make_rep(status="AWAY", away_until=back_at.isoformat())
    with time_machine.travel(back_at + timedelta(seconds=1), tick=False):
        assert api.get(f"reps/{rep['id']}")[1]["status"] == "AVAILABLE"
        assert _status_ids(api, "AVAILABLE") == [rep["id"]]
