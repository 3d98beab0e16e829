"""Reads of leads, scoped to one organization."""

from django.db.models import Prefetch, Q, QuerySet

from routeswit.api.errors import NotFoundError
from routeswit.db import one_or_none
from routeswit.orgs.models import Organization

from .models import Assignment, Lead, LeadStatus


def lead_list(*, org: Organization) -> QuerySet[Lead]:
    return (
        Lead.objects.filter(org=org)
        .select_related("ruleset", "ruleset_version", "rep", "contact", "first_response_rep")
        .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.select_related("rep")))
    )


def lead_unassigned_list(*, org: Organization) -> QuerySet[Lead]:
    """Leads nobody could take, newest first."""
    return lead_list(org=org).filter(status=LeadStatus.UNASSIGNED).order_by("-created_at")


def lead_get(*, org: Organization, ref: str) -> Lead:
    """By `lead_…` id or by the client's own lead_id."""
    leads = lead_list(org=org)
    lead = one_or_none(leads.filter(public_id=ref)) if ref.startswith("lead_") else None
    lead = lead or one_or_none(leads.filter(lead_id=ref))
    if lead is None:
        raise NotFoundError(f"No lead {ref!r}.")
    return lead


def lead_search(*, leads: QuerySet[Lead], q: str) -> QuerySet[Lead]:
    """Free-text search over the client's lead id, our id and the contact's email, name or company."""
    q = q.strip()
    if not q:
        return leads
    return leads.filter(
        Q(lead_id__icontains=q)
        | Q(public_id=q)
        | Q(contact__email__icontains=q)
        | Q(contact__last_name__icontains=q)
        | Q(contact__company__icontains=q)
    )
