"""Fixtures for intelligence: reps, a ruleset, leads with their assignments built with the ORM, SLA policies,
and a local HTTP receiver for webhook deliveries."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from intelligence import services
from intelligence.models import SlaPolicy
from leads.models import Assignment, AssignmentReason, Lead, LeadStatus
from reps.services import rep_create
from routeswit.ids import new_public_id
from routing.models import Ruleset, RulesetVersion
from tests.intelligence.receiver import Receiver

# A public address written as a literal: accepted by the SSRF guard without any DNS lookup. Nothing is ever
# sent to it: these tests run no worker, and non-transactional tests never run on_commit callbacks.
PUBLIC_URL = "https://93.184.215.14/hooks/sla"


@pytest.fixture
def rep(org_a):
    return rep_create(org=org_a, data={"name": "Alex Rivera", "email": "alex@a.example"})


@pytest.fixture
def other_rep(org_a):
    return rep_create(org=org_a, data={"name": "Priya Shah", "email": "priya@a.example"})


def ruleset_create(org, slug: str) -> Ruleset:
    ruleset = Ruleset.objects.create(org=org, public_id=new_public_id("rs"), slug=slug)
    ruleset.current_version = RulesetVersion.objects.create(ruleset=ruleset, number=1, name=slug)
    ruleset.save()
    return ruleset


@pytest.fixture
def ruleset(org_a):
    return ruleset_create(org_a, "inbound")


@pytest.fixture
def other_ruleset(org_a):
    return ruleset_create(org_a, "outbound")


@pytest.fixture
def make_lead(org_a, ruleset):
    """A lead of org A with its assignment history, timestamps set exactly.

    `history` lists (rep or None, reason, rule id or None, assigned_at) oldest first; by default one
    RULE_MATCH assignment to `rep` at `assigned_at`."""
    counter = iter(range(1, 100_000))

    def make(
        *,
        rep=None,
        status: str | None = None,
        created_at: datetime | None = None,
        assigned_at: datetime | None = None,
        first_response_at: datetime | None = None,
        history: list | None = None,
        routing_ms: float | None = 10.0,
        rule: str | None = "rule_uk",
        reason: str = AssignmentReason.RULE_MATCH,
        ruleset_=None,
        org=org_a,
    ) -> Lead:
        now = timezone.now()
        created_at = created_at or assigned_at or now
        if history is None:
            history = [
                (
                    rep,
                    reason if rep else AssignmentReason.NONE,
                    rule if rep else None,
                    assigned_at or created_at,
                )
            ]
        last_rep, _, _, last_at = history[-1]
        lead = Lead.objects.create(
            org=org,
            public_id=new_public_id("lead"),
            lead_id=f"LD-{next(counter)}",
            ruleset=ruleset_ or ruleset,
            ruleset_version=(ruleset_ or ruleset).current_version,
            ruleset_ref=(ruleset_ or ruleset).slug,
            status=status or (LeadStatus.ASSIGNED if last_rep else LeadStatus.UNASSIGNED),
            fingerprint="0" * 64,
            rep=last_rep,
            attempts=len(history),
            routing_ms=routing_ms,
        )
        for attempt, (who, why, rule_id, at) in enumerate(history, start=1):
            Assignment.objects.create(
                lead=lead,
                rep=who,
                reason=why,
                rule_public_id=rule_id,
                rule_name=rule_id and rule_id.replace("rule_", "Rule "),
                attempt=attempt,
                assigned_at=at,
            )
        _, last_reason, last_rule, _ = history[-1]
        first_at = next((at for who, _, _, at in history if who is not None), None)
        Lead.objects.filter(pk=lead.pk).update(
            created_at=created_at,
            assigned_at=last_at if last_rep else None,
            first_response_at=first_response_at,
            # What the routing service stores on the lead for analytics (see leads.services.Routed).
            rule_public_id=last_rule,
            rule_name=last_rule and last_rule.replace("rule_", "Rule "),
            reason=last_reason,
            first_assigned_at=first_at,
            response_seconds=(first_response_at - first_at).total_seconds()
            if first_response_at and first_at
            else None,
        )
        lead.refresh_from_db()
        return lead

    return make


@pytest.fixture
def make_policy(org_a):
    def make(*, org=org_a, **fields) -> SlaPolicy:
        data = {"name": "Respond in 5", "threshold_minutes": 5, "webhook_url": PUBLIC_URL, **fields}
        return services.sla_policy_create(org=org, data=data)[0]

    return make


@pytest.fixture
def sla(api):
    """An SLA of org A made through the API (the creation response, with its signing secret)."""
    status, body, _ = api.post(
        "slas", {"name": "Respond in 5", "threshold_minutes": 5, "webhook_url": PUBLIC_URL}
    )
    assert status == 201, body
    return body


@pytest.fixture
def receiver():
    made = []

    def start(answers=None) -> Receiver:
        made.append(Receiver(answers))
        return made[-1]

    yield start
    for r in made:
        r.close()


def minutes_ago(minutes: float, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(minutes=minutes)
