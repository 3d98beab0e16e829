"""Reads of contacts and their activities, always scoped to one organization."""

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from routeswit.api.errors import NotFoundError
from routeswit.orgs.models import Organization

from .models import Activity, Contact

SEARCH_FIELDS = ("first_name", "last_name", "email", "company")


def contact_list(*, org: Organization) -> QuerySet[Contact]:
    return Contact.objects.filter(org=org)


def contact_by_email(*, contacts: QuerySet[Contact], email: str) -> QuerySet[Contact]:
    """Case-insensitive, through the same lower(email) expression as the unique index."""
    return contacts.alias(email_lower=Lower("email")).filter(email_lower=email.lower())


def contact_search(*, contacts: QuerySet[Contact], q: str) -> QuerySet[Contact]:
    """Every word of `q` must appear in one of name, email or company: "ada acme" finds Ada at Acme."""
    for word in q.split():
        contacts = contacts.filter(
            Q(*(Q(**{f"{f}__icontains": word}) for f in SEARCH_FIELDS), _connector=Q.OR)
        )
    return contacts


def contact_get(*, org: Organization, contact_id: str) -> Contact:
    """By `con_…` id, else by the client's external_id; another organization's contact is not found."""
    matches = list(contact_list(org=org).filter(Q(public_id=contact_id) | Q(external_id=contact_id))[:2])
    if not matches:
        raise NotFoundError(f"No contact {contact_id!r}.")
    return next((c for c in matches if c.public_id == contact_id), matches[0])


def activity_timeline(*, contact: Contact) -> QuerySet[Activity]:
    """Newest first, by occurred_at then id."""
    return (
        Activity.objects.filter(org=contact.org, contact=contact)
        .select_related("contact", "rep", "lead")
        .order_by("-occurred_at", "-pk")
    )
