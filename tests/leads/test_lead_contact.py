from contacts.models import Contact
from tests.conftest import assert_error


def _body(lead_id: str, contact: dict) -> dict:
    return {"lead_id": lead_id, "ruleset_id": "c", "attributes": {}, "contact": contact}


def test_lead_with_contact_upserts_and_links_it(api, make_rep, save_rules):
    make_rep("rep_a")
    save_rules("c", [{"target_id": "rep_a"}])
    status, lead, _ = api.post("leads", _body("L1", {"email": "Ann@Example.com", "first_name": "Ann"}))
    assert status == 201 and lead["contact"]["email"].lower() == "ann@example.com"
    assert api.get(f"leads/{lead['id']}")[1]["contact"]["id"] == lead["contact"]["id"]


def test_a_contact_can_have_several_leads(api, make_rep, save_rules):
    make_rep("rep_a")
    save_rules("c", [{"target_id": "rep_a"}])
    first = api.post("leads", _body("L1", {"external_id": "crm-1", "email": "ann@example.com"}))[1]
    second = api.post("leads", _body("L2", {"external_id": "crm-1", "company": "Acme"}))[1]
    assert first["contact"]["id"] == second["contact"]["id"] and second["contact"]["company"] == "Acme"
    assert Contact.objects.count() == 1


def test_invalid_contact_is_422_naming_the_nested_field(api, make_rep, save_rules):
    make_rep("rep_a")
    save_rules("c", [{"target_id": "rep_a"}])
    error = assert_error(api.post("leads", _body("L1", {"email": "not-an-email"})), 422, "VALIDATION_ERROR")
    assert "contact.email" in error["details"]
    assert Contact.objects.count() == 0


def test_activity_on_the_contact_marks_the_lead_contacted(api, make_rep, save_rules):
    make_rep("rep_a")
    save_rules("c", [{"target_id": "rep_a"}])
    lead = api.post("leads", _body("L1", {"email": "ann@example.com"}))[1]
    status, _, _ = api.post(
        f"contacts/{lead['contact']['id']}/activities", {"type": "CALL", "outcome": "POSITIVE"}
    )
    assert status == 201
    after = api.get(f"leads/{lead['id']}")[1]
    assert after["status"] == "CONTACTED" and after["first_response_at"] is not None
