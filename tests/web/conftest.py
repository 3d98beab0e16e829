"""Fixtures of the page tests: a signed-in client per role and an organization with some of everything."""

import pytest
from django.test import Client

from contacts.selectors import contact_list
from contacts.services import activity_create
from intelligence.services import sla_policy_create


@pytest.fixture
def client_as(users):
    """`client_as("manager")`: a test client signed in as that user of org A (or "outsider", "b_admin")."""

    def make(who: str) -> Client:
        client = Client()
        client.force_login(users[who])
        return client

    return make


@pytest.fixture
def world(org_a, make_rep, save_rules, route, api):
    """Org A with two reps, a team, a ruleset with two versions, routed leads with a contact, an SLA."""
    london = make_rep("rep_london", max_open_leads=10)
    paris = make_rep("rep_paris")
    api.post("teams", {"id": "team_emea", "name": "EMEA", "members": ["rep_london", "rep_paris"]})
    save_rules("emea", [{"name": "UK", "condition": "attributes.country == 'UK'", "target_id": "rep_london"}])
    save_rules(
        "emea",
        [
            {"name": "UK", "condition": "attributes.country == 'UK'", "target_id": "rep_london"},
            {"name": "Rest", "target_id": "team_emea"},
        ],
        fallback_target_id="rep_paris",
    )
    lead = route("emea", {"country": "UK"}, lead_id="LD-1")
    api.post(
        "leads",
        {
            "lead_id": "LD-2",
            "ruleset_id": "emea",
            "attributes": {"country": "FR"},
            "contact": {"email": "ada@acme.example", "first_name": "Ada", "company": "Acme"},
        },
    )
    contact = contact_list(org=org_a).get(email="ada@acme.example")
    activity_create(contact=contact, data={"type": "CALL", "notes": "Intro"})
    policy, _ = sla_policy_create(
        org=org_a, data={"name": "Fast", "threshold_minutes": 5, "webhook_url": "https://93.184.215.14/sla"}
    )
    return {"reps": [london, paris], "lead": lead, "contact": contact, "sla": policy}


@pytest.fixture
def world_b(org_b, key_api):
    """Org B's own rep, ruleset, lead and contact: their ids must be 404 in org A's pages."""
    api_b = key_api(org=org_b)
    api_b.post("reps", {"id": "rep_b", "name": "B", "email": "b@b.example"})
    api_b.post("teams", {"id": "team_b", "name": "B team", "members": ["rep_b"]})
    api_b.post("rules", {"slug": "b-rules", "name": "B", "rules": [{"target_id": "rep_b"}]})
    _, lead, _ = api_b.post(
        "leads",
        {"lead_id": "LB-1", "ruleset_id": "b-rules", "attributes": {}, "contact": {"email": "c@b.example"}},
    )
    policy, _ = sla_policy_create(
        org=org_b, data={"name": "B SLA", "threshold_minutes": 5, "webhook_url": "https://93.184.215.14/b"}
    )
    return {"lead": lead, "contact": lead["contact"]["id"], "sla": policy.public_id}
