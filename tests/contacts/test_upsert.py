"""POST /contacts: the upsert by external_id or email."""

from contacts.models import Contact
from tests.conftest import assert_error


def test_new_external_id_creates_a_contact_with_201(api):
    status, body, _ = api.post("contacts", {"external_id": "crm-9", "first_name": "Ada"})
    assert status == 201, body
    assert body["id"].startswith("con_")
    assert body["external_id"] == "crm-9" and body["first_name"] == "Ada" and body["email"] is None


def test_contact_response_has_every_field_and_utc_timestamps(api):
    _, body, _ = api.post("contacts", {"email": "ada@acme.example"})
    assert set(body) == {
        "id",
        "external_id",
        "email",
        "first_name",
        "last_name",
        "phone",
        "company",
        "title",
        "attributes",
        "created_at",
        "updated_at",
    }
    assert body["created_at"].endswith("Z") and body["updated_at"].endswith("Z")
    assert body["attributes"] == {}


def test_same_external_id_updates_with_200(api, contact):
    status, body, _ = api.post("contacts", {"external_id": "crm-1", "company": "Acme"})
    assert status == 200, body
    assert body["id"] == contact["id"] and body["company"] == "Acme"
    assert Contact.objects.count() == 1


def test_email_matches_case_insensitively_when_no_external_id(api):
    _, first, _ = api.post("contacts", {"email": "Ada@Acme.example"})
    status, body, _ = api.post("contacts", {"email": "ada@ACME.example", "title": "CTO"})
    assert status == 200, body
    assert body["id"] == first["id"] and body["title"] == "CTO"


def test_email_match_adopts_the_sent_external_id(api):
    _, first, _ = api.post("contacts", {"email": "ada@acme.example"})
    status, body, _ = api.post("contacts", {"email": "ada@acme.example", "external_id": "crm-7"})
    assert status == 200 and body["id"] == first["id"] and body["external_id"] == "crm-7"


def test_external_id_takes_precedence_and_may_change_the_email(api, contact):
    status, body, _ = api.post("contacts", {"external_id": "crm-1", "email": "ada@new.example"})
    assert status == 200 and body["id"] == contact["id"] and body["email"] == "ada@new.example"


def test_fields_not_sent_are_kept(api):
    full = {
        "external_id": "crm-2",
        "email": "bo@x.example",
        "first_name": "Bo",
        "phone": "+1 555",
        "title": "VP",
    }
    api.post("contacts", {**full, "attributes": {"tier": "gold"}})
    status, body, _ = api.post("contacts", {"external_id": "crm-2", "company": "Initech"})
    assert status == 200
    assert {k: body[k] for k in full} == full
    assert body["company"] == "Initech" and body["attributes"] == {"tier": "gold"}


def test_attributes_sent_replace_the_stored_object(api):
    api.post("contacts", {"external_id": "crm-3", "attributes": {"a": 1, "b": 2}})
    _, body, _ = api.post("contacts", {"external_id": "crm-3", "attributes": {"c": 3}})
    assert body["attributes"] == {"c": 3}


def test_neither_identifier_is_422_naming_both(api):
    error = assert_error(api.post("contacts", {"first_name": "Nobody"}), 422, "VALIDATION_ERROR")
    assert set(error["details"]) == {"external_id", "email"}
    assert "external_id or email is required" in error["message"]


def test_bad_email_is_422(api):
    error = assert_error(api.post("contacts", {"email": "not-an-email"}), 422, "VALIDATION_ERROR")
    assert "email" in error["details"]


def test_attributes_must_be_an_object(api):
    error = assert_error(
        api.post("contacts", {"email": "a@x.example", "attributes": [1]}), 422, "VALIDATION_ERROR"
    )
    assert "attributes" in error["details"]


def test_external_id_and_email_of_different_contacts_is_409(api, contact):
    api.post("contacts", {"external_id": "crm-2", "email": "bo@x.example"})
    assert_error(api.post("contacts", {"external_id": "crm-1", "email": "bo@x.example"}), 409, "CONFLICT")


def test_email_of_a_contact_with_another_external_id_is_409(api, contact):
    assert_error(api.post("contacts", {"external_id": "crm-2", "email": "ADA@acme.example"}), 409, "CONFLICT")
    assert Contact.objects.count() == 1


def test_same_identifiers_in_another_organization_make_a_separate_contact(api, api_b, contact):
    status, body, _ = api_b.post("contacts", {"external_id": "crm-1", "email": "ada@acme.example"})
    assert status == 201 and body["id"] != contact["id"]


def test_losing_an_insert_race_takes_the_update_path(org_a, monkeypatch):
    from contacts import services

    existing, _ = services.contact_upsert(org=org_a, data={"external_id": "crm-1", "company": "Acme"})
    real_match = services._contact_match
    calls = iter([None])  # the first look misses the row, as if it were committed just after it

    def late_match(**kwargs):
        return next(calls, None) or real_match(**kwargs)

    monkeypatch.setattr(services, "_contact_match", late_match)
    contact, created = services.contact_upsert(org=org_a, data={"external_id": "crm-1", "title": "CTO"})
    assert (contact.pk, created) == (existing.pk, False)
    assert (contact.company, contact.title) == ("Acme", "CTO")
