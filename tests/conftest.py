"""Shared fixtures: two organizations (A and B), keys of every kind, users of every role, an API client."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from routeswit.orgs.models import KeyKind, Role
from routeswit.orgs.services import api_key_create, membership_set, org_create


class Api:
    """A client that sends JSON with one API key and returns (status, parsed body, response)."""

    def __init__(self, raw_key: str | None, header: str = "bearer"):
        self.client = Client()
        self.raw_key = raw_key
        self.header = header

    def _headers(self, extra: dict | None) -> dict:
        headers = {}
        if self.raw_key is not None:
            if self.header == "bearer":
                headers["Authorization"] = f"Bearer {self.raw_key}"
            else:
                headers["X-API-Key"] = self.raw_key
        headers.update(extra or {})
        return headers

    def call(self, method: str, path: str, body=None, headers: dict | None = None, **kwargs):
        url = _url(path)
        data = json.dumps(body) if body is not None and not isinstance(body, (str, bytes)) else body
        kwargs.setdefault("content_type", "application/json")
        response = getattr(self.client, method.lower())(
            url, data=data, headers=self._headers(headers), **kwargs
        )
        try:
            parsed = json.loads(response.content) if response.content else None
        except ValueError:
            parsed = response.content
        return response.status_code, parsed, response

    def get(self, path, params=None, headers=None, **kwargs):
        response = self.client.get(_url(path), data=params, headers=self._headers(headers), **kwargs)
        parsed = json.loads(response.content) if response.content else None
        return response.status_code, parsed, response

    def post(self, path, body=None, headers=None, **kwargs):
        return self.call("post", path, body, headers, **kwargs)

    def patch(self, path, body=None, headers=None, **kwargs):
        return self.call("patch", path, body, headers, **kwargs)

    def put(self, path, body=None, headers=None, **kwargs):
        return self.call("put", path, body, headers, **kwargs)

    def delete(self, path, headers=None):
        return self.call("delete", path, None, headers)


def _url(path: str) -> str:
    """`reps` -> /api/v1/reps; absolute paths and full URLs (a `Link` header's) are kept as they are."""
    return path if path.startswith(("/", "http://", "https://")) else f"/api/v1/{path}"


def assert_error(result, status: int, code: str):
    got_status, body, response = result
    assert got_status == status, body
    assert set(body) == {"error"}, body
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert body["error"]["request_id"] == response["X-Request-Id"]
    return body["error"]


@pytest.fixture
def org_a(db):
    return org_create(name="Org A", slug="org-a")


@pytest.fixture
def org_b(db):
    return org_create(name="Org B", slug="org-b")


@pytest.fixture
def key_a(org_a):
    return api_key_create(org=org_a, name="A secret")


@pytest.fixture
def key_b(org_b):
    return api_key_create(org=org_b, name="B secret")


@pytest.fixture
def api(key_a):
    return Api(key_a.raw_key)


@pytest.fixture
def api_b(key_b):
    return Api(key_b.raw_key)


@pytest.fixture
def read_only_api(org_a):
    return Api(api_key_create(org=org_a, kind=KeyKind.READ_ONLY).raw_key)


@pytest.fixture
def restricted_api(org_a):
    """A key that may only route leads and read routing."""
    return Api(
        api_key_create(org=org_a, kind=KeyKind.RESTRICTED, scopes=["leads:write", "routing:read"]).raw_key
    )


@pytest.fixture
def key_api(org_a):
    """Make an Api for a new key of org A: `key_api(kind=KeyKind.RESTRICTED, scopes=["reps:read"])`."""

    def make(kind: str = KeyKind.SECRET, scopes: list[str] | None = None, org=None, header: str = "bearer"):
        return Api(api_key_create(org=org or org_a, kind=kind, scopes=scopes).raw_key, header=header)

    return make


@pytest.fixture
def users(org_a, org_b):
    """One user per role in org A, and one with no membership at all."""
    user_model = get_user_model()
    made = {}
    for role in Role.values:
        made[role] = user_model.objects.create_user(f"{role}-a", f"{role}@a.example", "pw-" + role)
        membership_set(org=org_a, user=made[role], role=role)
    made["outsider"] = user_model.objects.create_user("outsider", "out@b.example", "pw-outsider")
    made["b_admin"] = user_model.objects.create_user("admin-b", "admin@b.example", "pw-b")
    membership_set(org=org_b, user=made["b_admin"], role=Role.ADMIN)
    return made


# Routing helpers: reps and rulesets made through the API, the way integrators make them.
@pytest.fixture
def make_rep(api):
    """A rep of org A made through the API: `make_rep("rep_alex", weight=2)`, or `make_rep()` for any rep."""
    counter = iter(range(1, 10_000))

    def make(rep_id: str | None = None, **fields):
        if rep_id is None:
            n = next(counter)
            body = {"name": f"Rep {n}", "email": f"rep{n}@a.example"}
        else:
            body = {"id": rep_id, "name": rep_id.replace("rep_", "").title(), "email": f"{rep_id}@a.example"}
        body.update(fields)
        status, rep, _ = api.post("reps", body)
        assert status == 201, rep
        return rep

    return make


@pytest.fixture
def save_rules(api):
    def save(slug: str, rules: list, **fields):
        status, body, _ = api.post("rules", {"slug": slug, "name": slug, "rules": rules, **fields})
        assert status in (200, 201), body
        return body

    return save


@pytest.fixture
def route(api):
    counter = {"n": 0}

    def send(ruleset: str, attributes: dict | None = None, lead_id: str | None = None):
        counter["n"] += 1
        body = {
            "lead_id": lead_id or f"L-{counter['n']}",
            "ruleset_id": ruleset,
            "attributes": attributes or {},
        }
        status, lead, _ = api.post("leads", body)
        assert status == 201, lead
        return lead

    return send


def rep_of(lead: dict) -> str | None:
    return lead["assignment"]["rep"]["id"] if lead["assignment"] else None
