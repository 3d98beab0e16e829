"""Schema fuzzing: every operation of the OpenAPI document, with generated inputs, must never answer 5xx and
must answer what the document says (status codes and bodies).

The schema is loaded from the app itself (WSGI, in process, so each operation's examples run inside the test's
database transaction) with a real secret key of an organization that has a rep, a team, a ruleset, a lead and
a contact. Examples are bounded per operation so the whole file runs in about two minutes.
"""

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from contacts.services import contact_upsert
from leads.services import lead_route
from reps.services import rep_create, team_create
from routeswit.orgs.services import api_key_create, org_create
from routeswit.wsgi import application
from routing.services import ruleset_save

pytestmark = [pytest.mark.e2e]

schema = schemathesis.openapi.from_wsgi("/api/v1/schema?format=json", application)
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def in_transaction_app():
    """As Django's test client does: a request must not close the connection holding the transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_key(db, in_transaction_app):
    org = org_create(name="Fuzz", slug="fuzz")
    rep_create(org=org, data={"id": "rep_fuzz", "name": "Fuzz Rep", "email": "rep@fuzz.example"})
    team_create(org=org, data={"id": "team_fuzz", "name": "Fuzzers", "members": ["rep_fuzz"]})
    ruleset_save(org=org, data={"slug": "fuzz", "name": "Fuzz", "rules": [{"target_id": "rep_fuzz"}]})
    contact_upsert(org=org, data={"external_id": "C-1", "email": "c@fuzz.example"})
    lead_route(org=org, data={"lead_id": "L-1", "ruleset_id": "fuzz", "attributes": {"country": "UK"}})
    return api_key_create(org=org).raw_key


@schema.parametrize()
@hypothesis.settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_operation_never_errors_and_matches_its_schema(case, fuzz_key):
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_key}"}, checks=CHECKS)
