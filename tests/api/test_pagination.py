"""Lists are bare JSON arrays, paged with ?limit= and ?starting_after=, the next page named in `Link`."""

import re

import pytest

from reps.models import Rep
from tests.conftest import assert_error

NEXT_LINK = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


@pytest.fixture
def five_reps(make_rep):
    return [make_rep()["id"] for _ in range(5)]


def _next_url(response) -> str | None:
    if not response.has_header("Link"):
        return None
    match = NEXT_LINK.match(response["Link"])
    assert match, response["Link"]
    return match.group("url")


def test_list_is_a_bare_array(api, five_reps):
    status, body, response = api.get("reps")
    assert status == 200
    assert isinstance(body, list) and [r["id"] for r in body] == five_reps
    assert not response.has_header("Link")


def test_empty_list_is_an_empty_array(api):
    assert api.get("reps")[:2] == (200, [])


def test_limit_returns_that_many_and_a_next_link(api, five_reps):
    _, body, response = api.get("reps", {"limit": 2})
    assert [r["id"] for r in body] == five_reps[:2]
    url = _next_url(response)
    assert f"starting_after={five_reps[1]}" in url
    assert "limit=2" in url


def test_following_next_links_returns_the_rest_then_stops(api, five_reps):
    seen, url, pages = [], "reps?limit=2", 0
    while url:
        status, body, response = api.get(url)
        assert status == 200
        seen += [r["id"] for r in body]
        url, pages = _next_url(response), pages + 1
    assert seen == five_reps
    assert pages == 3


def test_exactly_full_last_page_has_no_next_link(api, make_rep):
    for _ in range(2):
        make_rep()
    _, body, response = api.get("reps", {"limit": 2})
    assert len(body) == 2
    assert not response.has_header("Link")


def test_next_link_keeps_the_filters(api, make_rep):
    for _ in range(3):
        make_rep(status="OFFLINE")
    make_rep(status="AVAILABLE")
    _, _, response = api.get("reps", {"limit": 2, "status": "OFFLINE"})
    _, rest, response = api.get(_next_url(response))
    assert [r["status"] for r in rest] == ["OFFLINE"]
    assert _next_url(response) is None


def test_starting_after_starts_after_that_id(api, five_reps):
    _, body, _ = api.get("reps", {"starting_after": five_reps[2]})
    assert [r["id"] for r in body] == five_reps[3:]


def test_teams_page_too(api):
    ids = [api.post("teams", {"name": f"T{i}"})[1]["id"] for i in range(3)]
    _, body, response = api.get("teams", {"limit": 2})
    assert [t["id"] for t in body] == ids[:2]
    assert [t["id"] for t in api.get(_next_url(response))[1]] == ids[2:]


@pytest.mark.parametrize("limit", ["0", "1001", "abc", "-1", "2.5"])
def test_invalid_limit_is_422(api, limit):
    error = assert_error(api.get("reps", {"limit": limit}), 422, "VALIDATION_ERROR")
    assert list(error["details"]) == ["limit"]


@pytest.mark.parametrize("limit", ["1", "1000"])
def test_limit_bounds_are_accepted(api, limit):
    assert api.get("reps", {"limit": limit})[0] == 200


def test_unknown_starting_after_is_422(api):
    error = assert_error(api.get("reps", {"starting_after": "rep_nobody"}), 422, "VALIDATION_ERROR")
    assert list(error["details"]) == ["starting_after"]


def test_default_limit_is_100(api, org_a):
    Rep.objects.bulk_create(
        Rep(org=org_a, public_id=f"rep_bulk_{i}", name=f"R{i}", email=f"r{i}@a.example") for i in range(101)
    )
    _, body, response = api.get("reps")
    assert len(body) == 100
    assert _next_url(response)
