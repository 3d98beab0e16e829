"""An activity is a lead's first response: set once, on the right lead, never before the assignment."""

from datetime import timedelta

from django.utils import timezone

from leads.first_response import lead_first_response_record
from leads.models import LeadStatus


def log(api, contact, **body):
    status, activity, _ = api.post(f"contacts/{contact['id']}/activities", {"type": "CALL", **body})
    assert status == 201, activity
    return activity


def iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_first_activity_sets_first_response_and_moves_assigned_to_contacted(api, contact, make_lead, rep):
    lead = make_lead(contact_id=contact["id"], rep=rep)
    occurred = timezone.now() - timedelta(minutes=5)
    activity = log(api, contact, occurred_at=iso(occurred), rep_id=rep.public_id)
    lead.refresh_from_db()
    assert activity["lead_id"] == lead.public_id
    assert lead.first_response_at == occurred
    assert lead.first_response_rep == rep
    assert lead.status == LeadStatus.CONTACTED


def test_first_response_is_never_earlier_than_the_assignment(api, contact, make_lead, rep):
    lead = make_lead(contact_id=contact["id"], rep=rep, assigned_ago=timedelta(minutes=10))
    log(api, contact, occurred_at=iso(timezone.now() - timedelta(hours=2)))
    lead.refresh_from_db()
    assert lead.first_response_at == lead.assigned_at


def test_later_activities_do_not_move_it(api, contact, make_lead, rep, other_rep):
    lead = make_lead(contact_id=contact["id"], rep=rep)
    log(api, contact, rep_id=rep.public_id)
    lead.refresh_from_db()
    first = lead.first_response_at
    lead.status = LeadStatus.QUALIFIED
    lead.save()
    second = log(api, contact, rep_id=other_rep.public_id)
    lead.refresh_from_db()
    assert second["lead_id"] == lead.public_id
    assert (lead.first_response_at, lead.first_response_rep, lead.status) == (
        first,
        rep,
        LeadStatus.QUALIFIED,
    )


def test_without_rep_id_first_response_rep_stays_empty(api, contact, make_lead, rep):
    lead = make_lead(contact_id=contact["id"], rep=rep)
    log(api, contact)
    lead.refresh_from_db()
    assert lead.first_response_at is not None and lead.first_response_rep is None


def test_explicit_lead_id_wins_over_the_contacts_open_lead(api, contact, make_lead, rep):
    named = make_lead(rep=rep)
    open_lead = make_lead(contact_id=contact["id"], rep=rep)
    activity = log(api, contact, lead_id=named.public_id)
    named.refresh_from_db()
    open_lead.refresh_from_db()
    assert activity["lead_id"] == named.public_id
    assert named.first_response_at is not None and open_lead.first_response_at is None


def test_without_lead_id_the_contacts_most_recent_open_assigned_lead_is_answered(
    api, contact, make_lead, rep
):
    older = make_lead(contact_id=contact["id"], rep=rep)
    newest = make_lead(contact_id=contact["id"], rep=rep)
    make_lead(contact_id=contact["id"], rep=rep, status=LeadStatus.CONVERTED)  # closed: skipped
    make_lead(contact_id=contact["id"])  # unassigned: skipped
    activity = log(api, contact)
    older.refresh_from_db()
    newest.refresh_from_db()
    assert activity["lead_id"] == newest.public_id
    assert newest.first_response_at is not None and older.first_response_at is None


def test_unassigned_lead_gets_no_first_response(api, contact, make_lead):
    lead = make_lead(contact_id=contact["id"])
    activity = log(api, contact, lead_id=lead.lead_id)
    lead.refresh_from_db()
    assert activity["lead_id"] == lead.public_id
    assert lead.first_response_at is None and lead.status == LeadStatus.UNASSIGNED


def test_contact_without_an_open_lead_links_no_lead(api, contact, make_lead, rep):
    make_lead(contact_id=contact["id"], rep=rep, status=LeadStatus.LOST)
    assert log(api, contact)["lead_id"] is None


def test_record_sets_it_once_and_says_so(make_lead, rep):
    lead = make_lead(rep=rep)
    now = timezone.now()
    assert lead_first_response_record(lead=lead, occurred_at=now) is True
    assert lead_first_response_record(lead=lead, occurred_at=now + timedelta(minutes=1), rep=rep) is False
    lead.refresh_from_db()
    assert lead.first_response_at == now and lead.first_response_rep is None
