"""Concurrent writes to one contact, with real threads on the real database."""

import threading

import pytest
from django.db import connection

from contacts.models import Activity, Contact
from leads.models import LeadStatus
from tests.conftest import Api

THREADS = 4


def run_together(count: int, work) -> list:
    """Run `work(i)` in `count` threads released at once by a barrier; each closes its DB connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_upserts_of_one_contact_make_one_row(key_a):
    def upsert(index: int):
        body = {"external_id": "crm-1", "email": "ada@acme.example", "title": f"T{index}"}
        return Api(key_a.raw_key).post("contacts", body)[0]

    statuses = run_together(THREADS, upsert)
    assert sorted(statuses) == [200] * (THREADS - 1) + [201]
    assert Contact.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_activities_set_first_response_once(key_a, make_lead, rep, other_rep):
    api = Api(key_a.raw_key)
    _, contact, _ = api.post("contacts", {"email": "ada@acme.example"})
    lead = make_lead(contact_id=contact["id"], rep=rep)
    reps = [rep, other_rep]

    def respond(index: int):
        body = {"type": "CALL", "rep_id": reps[index].public_id}
        return Api(key_a.raw_key).post(f"contacts/{contact['id']}/activities", body)[0]

    assert run_together(2, respond) == [201, 201]
    lead.refresh_from_db()
    first = Activity.objects.get(rep=lead.first_response_rep)
    assert lead.status == LeadStatus.CONTACTED and lead.first_response_at == max(
        first.occurred_at, lead.assigned_at
    )
