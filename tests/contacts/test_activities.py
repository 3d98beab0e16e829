"""POST and GET /contacts/{id}/activities: logging calls and meetings, and the timeline."""

from datetime import UTC, datetime, timedelta

import pytest

from contacts.models import Activity
from tests.conftest import assert_error


def log(api, contact_ref, **body):
    return api.post(f"contacts/{contact_ref}/activities", body)


def test_the_documented_example_works_verbatim(api, contact):
    body = {"type": "CALL", "notes": "Discussed expansion to 50 seats.", "outcome": "POSITIVE"}
    status, activity, _ = api.post(f"contacts/{contact['id']}/activities", body)
    assert status == 201, activity
    assert activity["id"].startswith("act_") and activity["contact_id"] == contact["id"]
    assert {k: activity[k] for k in body} == body


def test_activity_response_has_every_field(api, contact, rep):
    _, activity, _ = log(api, contact["id"], type="MEETING", rep_id=rep.public_id, duration_seconds=1800)
    assert set(activity) == {
        "id",
        "contact_id",
        "type",
        "notes",
        "outcome",
        "occurred_at",
        "rep_id",
        "lead_id",
        "duration_seconds",
        "created_at",
    }
    assert activity["rep_id"] == rep.public_id and activity["duration_seconds"] == 1800
    assert activity["outcome"] is None and activity["lead_id"] is None and activity["notes"] == ""
    assert activity["occurred_at"].endswith("Z") and activity["created_at"].endswith("Z")


def test_occurred_at_defaults_to_now(api, contact):
    before = datetime.now(UTC)
    _, activity, _ = log(api, contact["id"], type="NOTE")
    occurred = datetime.fromisoformat(activity["occurred_at"].replace("Z", "+00:00"))
    assert before - timedelta(seconds=1) <= occurred <= datetime.now(UTC)


def test_activity_can_be_logged_by_external_id(api, contact):
    status, activity, _ = log(api, "crm-1", type="SMS", notes="hi")
    assert status == 201 and activity["contact_id"] == contact["id"]


def test_lead_id_accepts_the_clients_lead_id(api, contact, make_lead, rep):
    lead = make_lead(rep=rep)
    _, activity, _ = log(api, contact["id"], type="CALL", lead_id=lead.lead_id)
    assert activity["lead_id"] == lead.public_id


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "FAX"}, "type"),
        ({"notes": "no type"}, "type"),
        ({"type": "CALL", "outcome": "MAYBE"}, "outcome"),
        ({"type": "CALL", "occurred_at": "yesterday"}, "occurred_at"),
        ({"type": "CALL", "occurred_at": "2030-01-01T00:00:00Z"}, "occurred_at"),
        ({"type": "CALL", "duration_seconds": -1}, "duration_seconds"),
        ({"type": "CALL", "rep_id": "rep_nobody"}, "rep_id"),
        ({"type": "CALL", "lead_id": "lead_nothing"}, "lead_id"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_invalid_activity_is_422_naming_the_field(api, contact, body, field):
    error = assert_error(log(api, contact["id"], **body), 422, "VALIDATION_ERROR")
    assert field in error["details"]
    assert Activity.objects.count() == 0


def test_rep_of_another_organization_is_422(api, contact, org_b):
    from reps.services import rep_create

    foreign = rep_create(org=org_b, data={"name": "B", "email": "b@b.example"})
    error = assert_error(
        log(api, contact["id"], type="CALL", rep_id=foreign.public_id), 422, "VALIDATION_ERROR"
    )
    assert "rep_id" in error["details"]


def test_lead_of_another_organization_is_422(api, contact, make_lead, org_b):
    foreign = make_lead(org=org_b)
    for ref in (foreign.public_id, foreign.lead_id):
        error = assert_error(log(api, contact["id"], type="CALL", lead_id=ref), 422, "VALIDATION_ERROR")
        assert "lead_id" in error["details"]


def test_activity_on_unknown_contact_is_404(api):
    assert_error(log(api, "con_missing", type="CALL"), 404, "NOT_FOUND")
    assert_error(api.get("contacts/con_missing/activities"), 404, "NOT_FOUND")


def test_timeline_is_newest_first_by_occurred_at_then_id(api, contact):
    at = "2025-03-01T10:00:00Z"
    made = [
        log(api, contact["id"], type="NOTE", notes="old", occurred_at="2025-02-01T10:00:00Z")[1],
        log(api, contact["id"], type="NOTE", notes="tie 1", occurred_at=at)[1],
        log(api, contact["id"], type="NOTE", notes="tie 2", occurred_at=at)[1],
        log(api, contact["id"], type="NOTE", notes="newest", occurred_at="2025-04-01T10:00:00Z")[1],
    ]
    status, timeline, _ = api.get(f"contacts/{contact['id']}/activities")
    assert status == 200
    assert [a["notes"] for a in timeline] == ["newest", "tie 2", "tie 1", "old"]
    assert {a["id"] for a in timeline} == {a["id"] for a in made}


def test_timeline_pages_in_the_same_order(api, contact):
    for day in (1, 3, 2, 4):
        log(api, contact["id"], type="NOTE", notes=f"day {day}", occurred_at=f"2025-01-0{day}T00:00:00Z")
    _, first, response = api.get(f"contacts/{contact['id']}/activities", {"limit": 2})
    assert [a["notes"] for a in first] == ["day 4", "day 3"]
    _, rest, _ = api.get(response["Link"].split(";")[0].strip("<>"))
    assert [a["notes"] for a in rest] == ["day 2", "day 1"]


def test_timeline_shows_only_this_contacts_activities(api, contact):
    _, other, _ = api.post("contacts", {"email": "other@x.example"})
    log(api, other["id"], type="NOTE", notes="theirs")
    log(api, contact["id"], type="NOTE", notes="mine")
    _, timeline, _ = api.get(f"contacts/{contact['id']}/activities")
    assert [a["notes"] for a in timeline] == ["mine"]
