"""GET /contacts and GET /contacts/{id}: lists, filters, lookups, and no reach into another organization."""

import pytest

from tests.conftest import assert_error


@pytest.fixture
def three(api):
    made = [
        {"external_id": "crm-1", "email": "ada@acme.example", "first_name": "Ada", "last_name": "Lovelace"},
        {"external_id": "crm-2", "email": "bo@initech.example", "first_name": "Bo", "company": "Initech"},
        {"email": "cy@acme.example", "first_name": "Cy", "company": "Acme"},
    ]
    return [api.post("contacts", body)[1] for body in made]


def test_list_is_a_bare_array_oldest_first(api, three):
    status, body, _ = api.get("contacts")
    assert status == 200 and [c["id"] for c in body] == [c["id"] for c in three]


def test_list_pages_with_starting_after_and_a_link_header(api, three):
    _, first, response = api.get("contacts", {"limit": 2})
    assert [c["id"] for c in first] == [three[0]["id"], three[1]["id"]]
    assert 'rel="next"' in response["Link"]
    _, rest, response = api.get("contacts", {"limit": 2, "starting_after": first[-1]["id"]})
    assert [c["id"] for c in rest] == [three[2]["id"]] and "Link" not in response


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"email": "ADA@acme.example"}, [0]),
        ({"external_id": "crm-2"}, [1]),
        ({"company": "acme"}, [2]),
        ({"q": "acme"}, [0, 2]),
        ({"q": "ada lovelace"}, [0]),
        ({"q": "initech bo"}, [1]),
        ({"q": "nobody"}, []),
    ],
)
def test_list_filters(api, three, params, expected):
    _, body, _ = api.get("contacts", params)
    assert [c["id"] for c in body] == [three[i]["id"] for i in expected]


def test_get_by_public_id(api, three):
    status, body, _ = api.get(f"contacts/{three[1]['id']}")
    assert status == 200 and body == three[1]


def test_get_by_external_id(api, three):
    status, body, _ = api.get("contacts/crm-2")
    assert status == 200 and body["id"] == three[1]["id"]


def test_unknown_contact_is_404(api):
    assert_error(api.get("contacts/con_nope"), 404, "NOT_FOUND")


def test_another_organizations_contacts_are_not_listed(api_b, three):
    assert api_b.get("contacts")[1] == []
    assert api_b.get("contacts", {"external_id": "crm-1"})[1] == []


@pytest.mark.parametrize("by", ["id", "external_id"])
@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("get", "/activities", None),
        ("post", "/activities", {"type": "NOTE", "notes": "hi"}),
    ],
)
def test_another_organizations_contact_is_404_on_every_endpoint(api_b, three, by, method, suffix, body):
    ref = three[0][by]
    result = api_b.call(method, f"contacts/{ref}{suffix}", body)
    assert_error(result, 404, "NOT_FOUND")


def test_contacts_need_the_contacts_scope(key_api, three):
    from routeswit.orgs.models import KeyKind

    leads_only = key_api(kind=KeyKind.RESTRICTED, scopes=["leads:write"])
    assert_error(leads_only.get("contacts"), 403, "FORBIDDEN")
    reader = key_api(kind=KeyKind.RESTRICTED, scopes=["contacts:read"])
    assert reader.get("contacts")[0] == 200
    assert_error(reader.post("contacts", {"email": "z@x.example"}), 403, "FORBIDDEN")
