"""Writes for contacts and activities: the upsert by external_id or email, and logging an activity (which
may be a lead's first response)."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from leads.first_response import lead_first_response_record, lead_open_for_contact
from leads.selectors import lead_get
from reps.selectors import reps_by_ids
from routeswit.api.errors import ConflictError, NotFoundError, ValidationFailed
from routeswit.ids import new_public_id
from routeswit.orgs.models import Organization

from .models import Activity, Contact

CONTACT_FIELDS = (
    "external_id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "company",
    "title",
    "attributes",
)
NULLABLE_FIELDS = ("external_id", "email")
# Each attempt either finds the row or inserts it; losing an insert race to the same contact means the
# next attempt finds it, so a third attempt is only needed if that row was deleted in between.
UPSERT_ATTEMPTS = 3
# Activities record what happened; a little clock skew is tolerated, the future is not.
FUTURE_SKEW = timedelta(minutes=5)


@transaction.atomic
def contact_upsert(*, org: Organization, data: dict) -> tuple[Contact, bool]:
    """Create or update the contact matched by `external_id`, else by `email` (case-insensitive).

    Returns (contact, created). Fields absent from `data` are kept; `attributes`, when sent, replaces the
    stored object. Concurrent upserts of one contact make one row: the unique constraints decide, and the
    loser of an insert race takes the update path. 409 when external_id and email name different
    contacts, or when the email's contact already has another external_id.
    """
    external_id, email = data.get("external_id"), data.get("email")
    if not external_id and not email:
        message = "external_id or email is required"
        raise ValidationFailed({"external_id": [message], "email": [message]}, message=message)
    fields = _contact_fields(data)
    for _ in range(UPSERT_ATTEMPTS):
        contact = _contact_match(org=org, external_id=external_id, email=email)
        if contact is None:
            contact = _contact_insert(org=org, fields=fields)
            if contact is not None:
                return contact, True
        elif _contact_save(contact=contact, fields=fields):
            return contact, False
    raise ConflictError("The contact was changed by another request; retry.")


def _contact_fields(data: dict) -> dict:
    fields = {name: data[name] for name in CONTACT_FIELDS if name in data}
    for name, value in fields.items():
        if value is None and name not in NULLABLE_FIELDS:
            fields[name] = {} if name == "attributes" else ""
    return fields


def _contact_match(*, org: Organization, external_id: str | None, email: str | None) -> Contact | None:
    """The contact to update, locked; one query locks every candidate in a stable (pk) order."""
    wanted = Q(external_id=external_id) if external_id else Q(pk__in=[])
    if email:
        wanted |= Q(email_lower=email.lower())
    rows = list(
        Contact.objects.select_for_update()
        .alias(email_lower=Lower("email"))
        .filter(wanted, org=org)
        .order_by("pk")
    )
    by_external = next((c for c in rows if external_id and c.external_id == external_id), None)
    by_email = next((c for c in rows if email and (c.email or "").lower() == email.lower()), None)
    if by_external and by_email and by_external.pk != by_email.pk:
        raise ConflictError(
            f"external_id {external_id!r} belongs to contact {by_external.public_id} "
            f"and email {email!r} to contact {by_email.public_id}."
        )
    if by_external is None and by_email and external_id and by_email.external_id:
        raise ConflictError(
            f"email {email!r} belongs to contact {by_email.public_id}, "
            f"whose external_id is {by_email.external_id!r}."
        )
    return by_external or by_email


def _contact_insert(*, org: Organization, fields: dict) -> Contact | None:
    """The new contact, or None when a concurrent request inserted it first."""
    contact = Contact(org=org, public_id=new_public_id("con"), **fields)
    try:
        with transaction.atomic():
            contact.save(force_insert=True)
    except IntegrityError:
        return None
    return contact


def _contact_save(*, contact: Contact, fields: dict) -> bool:
    """False when the new email was taken meanwhile: the caller matches again (and reports the conflict)."""
    for name, value in fields.items():
        setattr(contact, name, value)
    try:
        with transaction.atomic():
            contact.save(update_fields=[*fields, "updated_at"])
    except IntegrityError:
        return False
    return True


@transaction.atomic
def activity_create(*, contact: Contact, data: dict) -> Activity:
    """Log an activity on a contact. It is linked to `lead_id`'s lead, else to the contact's most recent
    open assigned lead, and is that lead's first response if it has none yet."""
    org = contact.org
    rep, lead = _activity_links(org=org, contact=contact, data=data)
    occurred_at = data.get("occurred_at") or timezone.now()
    if occurred_at > timezone.now() + FUTURE_SKEW:
        raise ValidationFailed({"occurred_at": ["Cannot be in the future."]})
    activity = Activity.objects.create(
        org=org,
        public_id=new_public_id("act"),
        contact=contact,
        lead=lead,
        rep=rep,
        type=data["type"],
        notes=data.get("notes") or "",
        outcome=data.get("outcome"),
        occurred_at=occurred_at,
        duration_seconds=data.get("duration_seconds"),
    )
    if lead is not None:
        lead_first_response_record(lead=lead, occurred_at=occurred_at, rep=rep)
    return activity


def _activity_links(*, org: Organization, contact: Contact, data: dict):
    """(rep, lead) named by rep_id and lead_id; unknown ones (or another organization's) are 422."""
    errors = {}
    rep = lead = None
    if data.get("rep_id"):
        rep = reps_by_ids(org=org, rep_ids=[data["rep_id"]]).get(data["rep_id"])
        if rep is None:
            errors["rep_id"] = [f"Unknown rep {data['rep_id']!r}."]
    if data.get("lead_id"):
        try:
            lead = lead_get(org=org, ref=data["lead_id"])
        except NotFoundError:
            errors["lead_id"] = [f"Unknown lead {data['lead_id']!r}."]
    else:
        lead = lead_open_for_contact(contact=contact)
    if errors:
        raise ValidationFailed(errors)
    return rep, lead
