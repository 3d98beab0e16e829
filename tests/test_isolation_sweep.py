"""Organization isolation, swept over every URL pattern of the API and of the web UI.

The patterns are read from the resolvers, not listed by hand: each path parameter is filled with an id of
organization A's object of the right kind (`PARAMETER_KINDS`), and organization B (its secret key for the
API, its signed-in admin for pages) must get 404 for every method, as if the id did not exist. A pattern
with a parameter the map does not know fails the sweep, so no route can be added unswept. Patterns without
parameters (lists, create, dashboards) are fetched as B and must show none of A's rows; those that take an
id in the query string or the body are given A's ids and must not resolve them.
"""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone

from contacts.models import Contact
from intelligence.models import SlaBreach, SlaPolicy, WebhookDelivery, WebhookEvent
from intelligence.services import sla_breaches_record, sla_policy_create
from routeswit import web_urls
from routeswit.api import urls as api_urls
from routeswit.orgs.models import ApiKey, Membership, Role
from routeswit.web import SESSION_ORG

pytestmark = pytest.mark.django_db

API, WEB = "api", "web"
METHODS = ("get", "post", "patch", "delete")

# (surface, route name, path parameter) -> the kind of object whose ids fill it. Every kind lists all the
# spellings a path accepts (a lead by lead_… id and by the client's lead_id; a ruleset by slug and rs_ id;
# a contact by con_ id and external_id).
PARAMETER_KINDS = {
    (API, "rep-detail", "id"): "rep",
    (API, "team-detail", "id"): "team",
    (API, "contact-detail", "id"): "contact",
    (API, "contact-activities", "id"): "contact",
    (API, "ruleset-detail", "id"): "ruleset",
    (API, "ruleset-simulate", "id"): "ruleset",
    (API, "ruleset-versions", "id"): "ruleset",
    (API, "lead-detail", "id"): "lead",
    (API, "lead-reroute", "id"): "lead",
    (API, "sla-detail", "id"): "sla",
    (API, "sla-breaches", "id"): "sla",
    (API, "sla-deliveries", "id"): "sla",
    (API, "sla-retry", "id"): "sla",
    (API, "sla-retry", "delivery_id"): "delivery",
    (WEB, "ruleset_detail", "slug"): "ruleset_slug",
    (WEB, "ruleset_edit", "slug"): "ruleset_slug",
    (WEB, "ruleset_diff", "slug"): "ruleset_slug",
    (WEB, "ruleset_archive", "slug"): "ruleset_slug",
    (WEB, "ruleset_test", "slug"): "ruleset_slug",
    (WEB, "ruleset_backtest", "slug"): "ruleset_slug",
    (WEB, "lead_detail", "ref"): "lead",
    (WEB, "lead_status", "ref"): "lead",
    (WEB, "lead_reroute", "ref"): "lead",
    (WEB, "rep_edit", "rep_id"): "rep",
    (WEB, "rep_status", "rep_id"): "rep",
    (WEB, "rep_deactivate", "rep_id"): "rep",
    (WEB, "team_edit", "team_id"): "team",
    (WEB, "team_deactivate", "team_id"): "team",
    (WEB, "contact_detail", "contact_id"): "contact",
    (WEB, "sla_detail", "sla_id"): "sla",
    (WEB, "sla_edit", "sla_id"): "sla",
    (WEB, "sla_delete", "sla_id"): "sla",
    (WEB, "delivery_retry", "sla_id"): "sla",
    (WEB, "delivery_retry", "delivery_id"): "delivery",
    (WEB, "key_revoke", "key_id"): "key",
    (WEB, "member_role", "membership_id"): "membership",
    (WEB, "member_remove", "membership_id"): "membership",
}

# Bodies that would be valid for the object's owner, so a 404 is the lookup's and not a validation's.
API_BODIES = {
    "contact-activities": {"type": "NOTE", "notes": "taken over"},
    "ruleset-simulate": {"slug": "sweep-a-rules", "name": "x", "rules": [{"name": "All"}]},
    "lead-detail": {"status": "CONTACTED"},
    "lead-reroute": {"reason": "taken over"},
    "sla-detail": {"name": "Taken over"},
}
WEB_BODIES = {
    "ruleset_edit": {"name": "Taken over", "slug": "sweep-a-rules", "rules": "[]"},
    "ruleset_test": {"attributes": '{"country": "UK"}'},
    "ruleset_backtest": {"draft": "[]"},
    "lead_status": {"status": "CONTACTED"},
    "lead_reroute": {"reason": "taken over"},
    "rep_edit": {"name": "Taken over", "email": "taken@over.example", "weight": "1", "timezone": "UTC"},
    "rep_status": {"status": "AWAY"},
    "team_edit": {"name": "Taken over"},
    "sla_edit": {"name": "Taken over", "threshold_minutes": "5", "webhook_url": "https://93.184.215.14/x"},
    "member_role": {"role": Role.VIEWER},
}

# Ids in the query string of parameterless routes: B's request naming A's object must not resolve it.
API_QUERY_REFS = {
    "rep-list": [{"team": "team"}, {"email": "rep_email"}],
    "lead-list": [{"ruleset": "ruleset"}, {"rep": "rep"}],
    "contact-list": [{"email": "contact_email"}, {"q": "contact_email"}],
    "routing-rules": [{"ruleset": "ruleset"}],
    "routing-evaluate": [{"ruleset": "ruleset"}],
    "routing-re-refer": [{"lead_id": "lead"}],
    "analytics-summary": [{"ruleset": "ruleset"}, {"rep": "rep"}],
}
WEB_QUERY_REFS = {
    "lead_list": [{"ruleset": "ruleset_slug"}, {"rep": "rep"}, {"q": "lead"}],
    "lead_export": [{"ruleset": "ruleset_slug"}, {"rep": "rep"}],
    "contact_list": [{"q": "contact_email"}],
    "dashboard": [{"ruleset": "ruleset_slug"}, {"rep": "rep"}],
    "dashboard_panel": [{"ruleset": "ruleset_slug"}, {"rep": "rep"}],
}


# --- organization A's objects, and B's own ------------------------------------------------------------


@pytest.fixture
def world(org_a, org_b, api, api_b, users, key_a):
    """One object of each kind in org A (names that nowhere else appear), and a few of B's own."""
    rep = api.post(
        "reps", {"id": "rep_sweep_alpha", "name": "Zebulon Alpha", "email": "zebulon@alpha.example"}
    )
    assert rep[0] == 201, rep[1]
    team = api.post(
        "teams", {"id": "team_sweep_alpha", "name": "Quokka Squad", "members": ["rep_sweep_alpha"]}
    )
    assert team[0] == 201, team[1]
    rules = {"slug": "sweep-a-rules", "name": "Marmoset Rules", "rules": [{"target_id": "rep_sweep_alpha"}]}
    ruleset = api.post("rules", rules)
    assert ruleset[0] == 201, ruleset[1]
    contact = {"email": "ocelot@alpha.example", "external_id": "crm-ocelot-1", "first_name": "Ocelot"}
    lead = api.post(
        "leads",
        {
            "lead_id": "LEAD-ALPHA-1",
            "ruleset_id": "sweep-a-rules",
            "attributes": {"x": "y"},
            "contact": contact,
        },
    )
    assert lead[0] == 201, lead[1]
    contact_row = Contact.objects.get(org=org_a, email="ocelot@alpha.example")
    policy, _ = sla_policy_create(
        org=org_a,
        data={"name": "Narwhal SLA", "threshold_minutes": 5, "webhook_url": "https://93.184.215.14/a"},
    )
    [breach] = sla_breaches_record(policy=policy, now=timezone.now() + timedelta(hours=1))
    event = WebhookEvent.objects.get(breach=breach)
    delivery = WebhookDelivery.objects.create(
        public_id="dlv_sweep_alpha", event=event, attempt=1, url=policy.webhook_url,
        requested_at=timezone.now(), status_code=500, response_body="Axolotl says no",
    )  # fmt: skip
    activity = api.post(
        f"contacts/{contact_row.public_id}/activities", {"type": "CALL", "notes": "Pangolin call"}
    )
    # After the breach: the first activity is the lead's first response (ASSIGNED -> CONTACTED).
    assert activity[0] == 201, activity[1]
    admin_membership = Membership.objects.get(org=org_a, user=users[Role.ADMIN])
    a = {
        "rep": ["rep_sweep_alpha"],
        "rep_email": ["zebulon@alpha.example"],
        "team": ["team_sweep_alpha"],
        "ruleset": ["sweep-a-rules", ruleset[1]["id"]],
        "ruleset_slug": ["sweep-a-rules"],
        "lead": [lead[1]["id"], "LEAD-ALPHA-1"],
        "contact": [contact_row.public_id, "crm-ocelot-1"],
        "contact_email": ["ocelot@alpha.example"],
        "activity": [activity[1]["id"]],
        "sla": [policy.public_id],
        "breach": [breach.public_id],
        "event": [event.public_id],
        "delivery": [delivery.public_id],
        "key": [key_a.api_key.public_id],
        "membership": [admin_membership.pk],
    }
    # What must never appear in B's responses: A's names and contact data, and every id it has.
    secrets = ["Zebulon Alpha", "zebulon@alpha.example", "Quokka Squad", "Marmoset Rules", "Ocelot",
               "ocelot@alpha.example", "crm-ocelot-1", "Pangolin call", "Narwhal SLA", "Axolotl",
               "LEAD-ALPHA-1", "sweep-a-rules", *(users[r].email for r in Role.values)]  # fmt: skip
    ids = [str(v) for kind, values in a.items() if kind != "membership" for v in values]
    b = _world_b(org_b, api_b)
    return {"a": a, "b": b, "secrets": secrets, "markers": secrets + ids, "org_a": org_a}


def _world_b(org_b, api_b) -> dict:
    api_b.post("reps", {"id": "rep_sweep_b", "name": "B rep", "email": "b@b.example"})
    api_b.post("rules", {"slug": "sweep-b-rules", "name": "B rules", "rules": [{"target_id": "rep_sweep_b"}]})
    api_b.post("leads", {"lead_id": "LEAD-B-1", "ruleset_id": "sweep-b-rules", "attributes": {}})
    policy, _ = sla_policy_create(
        org=org_b, data={"name": "B SLA", "threshold_minutes": 5, "webhook_url": "https://93.184.215.14/b"}
    )
    [breach] = sla_breaches_record(policy=policy, now=timezone.now() + timedelta(hours=1))
    delivery = WebhookDelivery.objects.create(
        public_id="dlv_sweep_b", event=breach.event, attempt=1, url=policy.webhook_url,
        requested_at=timezone.now(), status_code=500,
    )  # fmt: skip
    return {"sla": [policy.public_id], "delivery": [delivery.public_id]}


@pytest.fixture
def b_admin(users):
    client = Client()
    client.force_login(users["b_admin"])
    return client


# --- walking the resolvers ----------------------------------------------------------------------------


def url_patterns(module) -> list[URLPattern]:
    found = []

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                assert not pattern.pattern.regex.groupindex, f"an include with parameters: {pattern}"
                walk(pattern.url_patterns)
            else:
                found.append(pattern)

    walk(module.urlpatterns)
    return found


def parameters(pattern: URLPattern) -> list[str]:
    return list(pattern.pattern.regex.groupindex)


def api_methods(pattern: URLPattern) -> list[str]:
    """A viewset route answers its actions' methods; any other view is tried with all four."""
    actions = getattr(pattern.callback, "actions", None)
    return [m for m in METHODS if m in actions] if actions else list(METHODS)


def parameterised(surface: str, module) -> list[URLPattern]:
    return [p for p in url_patterns(module) if parameters(p)]


def parameterless(module) -> list[URLPattern]:
    return [p for p in url_patterns(module) if not parameters(p) and p.name]


def substitutions(surface: str, pattern: URLPattern, world: dict) -> list[dict]:
    """Every path that names an object of A: each spelling of each parameter in turn, the other parameters
    holding an object of B's own (so an inner id is checked on its own, not hidden behind the outer one)."""
    names = parameters(pattern)
    kinds = {name: PARAMETER_KINDS[(surface, pattern.name, name)] for name in names}
    paths = []
    for target in names:
        for value in world["a"][kinds[target]]:
            kwargs = {target: value}
            for other in names:
                if other != target:
                    kwargs[other] = world["b"][kinds[other]][0]
            paths.append(kwargs)
    if len(names) > 1:
        paths.append({name: world["a"][kinds[name]][0] for name in names})
    return paths


def assert_hides(body: bytes, world: dict, markers: str = "markers", what: str = "", sent: str = ""):
    """None of A's markers in the body but those B itself sent (an error may echo an id it was given)."""
    text = body.decode(errors="replace")
    leaked = [m for m in world[markers] if m in text and m not in sent]
    assert not leaked, f"{what} shows organization A's {leaked}"


# --- the map is complete -------------------------------------------------------------------------------


@pytest.mark.parametrize(("surface", "module"), [(API, api_urls), (WEB, web_urls)], ids=[API, WEB])
def test_every_path_parameter_is_in_the_sweep_map(surface, module):
    unknown = [
        f"{p.name or p.pattern} <{name}>"
        for p in parameterised(surface, module)
        for name in parameters(p)
        if (surface, p.name, name) not in PARAMETER_KINDS
    ]
    assert not unknown, f"add these {surface} parameters to PARAMETER_KINDS: {unknown}"


def test_the_sweep_map_names_no_route_that_is_gone():
    present = {
        (surface, p.name, name)
        for surface, module in ((API, api_urls), (WEB, web_urls))
        for p in parameterised(surface, module)
        for name in parameters(p)
    }
    assert set(PARAMETER_KINDS) - present == set()


# --- parameterised routes: 404 for every method --------------------------------------------------------


def test_api_routes_answer_404_for_another_orgs_ids(api_b, world):
    swept = set()
    for pattern in parameterised(API, api_urls):
        for kwargs in substitutions(API, pattern, world):
            path = reverse(pattern.name, kwargs=kwargs)
            for method in api_methods(pattern):
                body = (
                    API_BODIES.get(pattern.name, {"name": "Taken over"})
                    if method in ("post", "patch")
                    else None
                )
                status, parsed, response = api_b.call(method, path, body)
                where = f"{method.upper()} {path}"
                assert status == 404, f"{where} as organization B: {status} {parsed}"
                assert parsed["error"]["code"] == "NOT_FOUND", where
                assert_hides(response.content, world, "secrets", where, sent=path)
            swept.add(pattern.name)
    assert swept == {p.name for p in parameterised(API, api_urls)}
    assert_a_unchanged(world)


def test_pages_answer_404_for_another_orgs_ids(b_admin, world):
    swept = set()
    for pattern in parameterised(WEB, web_urls):
        for kwargs in substitutions(WEB, pattern, world):
            path = reverse(pattern.name, kwargs=kwargs)
            statuses = {}
            for method in ("get", "post"):
                data = WEB_BODIES.get(pattern.name, {}) if method == "post" else None
                response = getattr(b_admin, method)(path, data=data)
                statuses[method] = response.status_code
                # 405: a POST-only page refuses a GET before it looks anything up.
                assert response.status_code in (404, 405), f"{method.upper()} {path}: {response.status_code}"
                assert_hides(response.content, world, "secrets", f"{method.upper()} {path}", sent=path)
            assert 404 in statuses.values(), f"{path}: {statuses}"
            swept.add(pattern.name)
    assert swept == {p.name for p in parameterised(WEB, web_urls)}
    assert_a_unchanged(world)


def assert_a_unchanged(world):
    """Nothing B sent changed A: no rep deactivated, ruleset archived, SLA deleted, key revoked, etc."""
    a = world["a"]
    from leads.models import Lead
    from reps.models import Rep, Team
    from routing.models import Ruleset

    rep = Rep.objects.get(public_id=a["rep"][0])
    assert (rep.name, rep.email, rep.is_active, rep.status) == (
        "Zebulon Alpha", "zebulon@alpha.example", True, "AVAILABLE"
    )  # fmt: skip
    team = Team.objects.get(public_id=a["team"][0])
    assert (team.name, team.is_active) == ("Quokka Squad", True)
    ruleset = Ruleset.objects.get(slug="sweep-a-rules", org=world["org_a"])
    assert ruleset.archived_at is None and ruleset.versions.count() == 1
    lead = Lead.objects.get(public_id=a["lead"][0])
    assert (lead.status, lead.attempts) == ("CONTACTED", 1)
    assert Contact.objects.get(public_id=a["contact"][0]).activities.count() == 1
    policy = SlaPolicy.objects.get(public_id=a["sla"][0])
    assert (policy.name, policy.deleted_at) == ("Narwhal SLA", None)
    event = WebhookEvent.objects.get(policy=policy)
    assert (event.attempts, event.next_attempt_at is not None) == (0, True)
    assert not ApiKey.objects.filter(org=world["org_a"], revoked_at__isnull=False).exists()
    assert Membership.objects.get(pk=a["membership"][0]).role == Role.ADMIN
    assert SlaBreach.objects.filter(policy=policy).count() == 1


# --- parameterless routes: B's lists never show A's rows -----------------------------------------------


def test_api_lists_show_none_of_another_orgs_rows(api_b, world):
    for pattern in parameterless(api_urls):
        if "get" not in api_methods(pattern):
            continue
        path = reverse(pattern.name)
        queries = [{}] + [
            {param: world["a"][kind][0] for param, kind in refs.items()}
            for refs in API_QUERY_REFS.get(pattern.name, [])
        ]
        for query in queries:
            response = api_b.client.get(path, query, headers=api_b._headers(None))
            status, where = response.status_code, f"GET {path} {query}"
            parsed = response.json() if response["Content-Type"].startswith("application/json") else None
            assert status < 500, where
            # B's request names A's id; the answer may echo it in an error, never resolve it.
            assert_hides(
                response.content, world, "markers" if not query else "secrets", where, sent=str(query)
            )
            if query and status == 200 and isinstance(parsed, list):
                assert parsed == [], where


def test_api_creates_do_not_resolve_another_orgs_ids(api_b, world):
    a = world["a"]
    refused = {
        "lead-list": {"lead_id": "LEAD-B-2", "ruleset_id": a["ruleset"][0], "attributes": {}},
        "team-list": {"name": "B team 2", "members": a["rep"]},
        "ruleset-list": {"slug": "sweep-b-2", "name": "B2", "rules": [{"target_id": a["rep"][0]}]},
        "sla-list": {
            "name": "B2",
            "threshold_minutes": 5,
            "webhook_url": "https://93.184.215.14/b2",
            "ruleset_id": a["ruleset"][0],
        },  # fmt: skip
        "routing-evaluate": {"ruleset_id": a["ruleset"][0], "attributes": {}},
    }
    for name, body in refused.items():
        status, parsed, response = api_b.post(reverse(name), body)
        assert status in (404, 422), f"POST {reverse(name)} with A's ids: {status} {parsed}"
        assert_hides(response.content, world, "secrets", f"POST {reverse(name)}", sent=json.dumps(body))
    # An upsert by A's external id or email makes B's own contact and leaves A's alone.
    status, contact, _ = api_b.post(
        "contacts", {"external_id": "crm-ocelot-1", "email": "ocelot@alpha.example", "first_name": "Mallory"}
    )
    assert status == 201 and contact["id"] != a["contact"][0]
    assert Contact.objects.get(public_id=a["contact"][0]).first_name == "Ocelot"
    assert_a_unchanged(world)


def test_pages_show_none_of_another_orgs_rows(b_admin, world):
    for pattern in parameterless(web_urls):
        path = reverse(pattern.name)
        queries = [{}] + [
            {param: world["a"][kind][0] for param, kind in refs.items()}
            for refs in WEB_QUERY_REFS.get(pattern.name, [])
        ]
        for query in queries:
            response = b_admin.get(path, query)
            where = f"GET {path} {query}"
            assert response.status_code < 500, where
            content = b"".join(response.streaming_content) if response.streaming else response.content
            assert_hides(content, world, "markers" if not query else "secrets", where, sent=str(query))


def test_switching_to_another_org_is_refused(b_admin, world):
    response = b_admin.post(reverse("org_switch"), {"org": world["org_a"].slug})
    assert response.status_code == 404
    session = b_admin.session
    session[SESSION_ORG] = world["org_a"].pk  # a tampered session falls back to B's own membership
    session.save()
    for name in (
        "lead_list",
        "rep_list",
        "ruleset_list",
        "contact_list",
        "sla_list",
        "settings",
        "dashboard",
    ):
        response = b_admin.get(reverse(name))
        assert response.status_code == 200, name
        assert_hides(response.content, world, "markers", name)


def test_a_sees_its_own_objects_so_the_sweep_is_not_vacuous(api, world):
    a = world["a"]
    for path in (f"reps/{a['rep'][0]}", f"teams/{a['team'][0]}", f"rules/{a['ruleset'][0]}",
                 f"leads/{a['lead'][1]}", f"contacts/{a['contact'][1]}", f"slas/{a['sla'][0]}",
                 f"slas/{a['sla'][0]}/deliveries", f"slas/{a['sla'][0]}/breaches"):  # fmt: skip
        status, body, _ = api.get(path)
        assert status == 200, (path, body)
    assert json.dumps(api.get("leads")[1]).count("LEAD-ALPHA-1") == 1
