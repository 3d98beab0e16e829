"""Fixtures for contacts: reps, a contact made through the API, and leads made directly with the ORM."""

from datetime import timedelta

import pytest
from django.utils import timezone

from contacts.models import Contact
from leads.models import Lead, LeadStatus
from reps.services import rep_create
from routeswit.ids import new_public_id
from routing.models import Ruleset, RulesetVersion


@pytest.fixture
def rep(org_a):
    return rep_create(org=org_a, data={"name": "Alex Rivera", "email": "alex@a.example"})


@pytest.fixture
def other_rep(org_a):
    return rep_create(org=org_a, data={"name": "Priya Shah", "email": "priya@a.example"})


@pytest.fixture
def contact(api):
    status, body, _ = api.post("contacts", {"external_id": "crm-1", "email": "ada@acme.example"})
    assert status == 201, body
    return body


@pytest.fixture
def make_lead(org_a):
    """A Lead row of org A (ASSIGNED to `rep` `assigned_ago` ago by default; rep=None is UNASSIGNED)."""
    ruleset = Ruleset.objects.create(org=org_a, public_id=new_public_id("rs"), slug="inbound")
    version = RulesetVersion.objects.create(ruleset=ruleset, number=1, name="Inbound")
    counter = iter(range(1, 10_000))

    def make(*, contact_id=None, rep=None, status=None, assigned_ago=timedelta(minutes=30), org=org_a):
        n = next(counter)
        return Lead.objects.create(
            org=org,
            public_id=new_public_id("lead"),
            lead_id=f"LD-{n}",
            ruleset=ruleset,
            ruleset_version=version,
            ruleset_ref="inbound",
            status=status or (LeadStatus.ASSIGNED if rep else LeadStatus.UNASSIGNED),
            fingerprint="0" * 64,
            contact=Contact.objects.get(public_id=contact_id) if contact_id else None,
            rep=rep,
            assigned_at=timezone.now() - assigned_ago if rep else None,
        )

    return make
