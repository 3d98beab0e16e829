"""A lead's first response: the first activity logged on an assigned lead, which response times and SLAs
measure. Called by the contacts app when an activity is logged."""

from datetime import datetime

from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from reps.models import Rep
from routeswit.db import SecondsBetween

from .models import OPEN_STATUSES, Lead, LeadStatus


def lead_open_for_contact(*, contact) -> Lead | None:
    """The contact's most recent open lead that has a rep: the one an activity without lead_id answers."""
    return (
        Lead.objects.filter(
            org_id=contact.org_id, contact=contact, status__in=OPEN_STATUSES, rep__isnull=False
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def lead_first_response_record(*, lead: Lead, occurred_at: datetime, rep: Rep | None = None) -> bool:
    """Set the lead's first response once; True when this call set it.

    `first_response_at` is the activity's time but never earlier than the assignment, and status moves
    ASSIGNED -> CONTACTED. A lead with no rep (UNASSIGNED) is not answered by an activity. The UPDATE is
    conditional, so of two concurrent activities exactly one sets it; the other updates no row.
    """
    responded_at = Greatest(Value(occurred_at), Coalesce(F("assigned_at"), Value(occurred_at)))
    changes = {
        "first_response_at": responded_at,
        # Measured from the lead's first assignment, so a re-route does not restart the clock.
        "response_seconds": SecondsBetween(responded_at, Coalesce(F("first_assigned_at"), F("assigned_at"))),
        "status": Case(
            When(status=LeadStatus.ASSIGNED, then=Value(LeadStatus.CONTACTED)), default=F("status")
        ),
        "updated_at": timezone.now(),
    }
    if rep is not None:
        changes["first_response_rep"] = rep
    updated = Lead.objects.filter(pk=lead.pk, first_response_at__isnull=True, rep__isnull=False).update(
        **changes
    )
    return updated == 1
