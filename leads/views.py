"""Lead pages: list with filters and CSV export, detail with the "why this rep" explanation, status change
and re-route (leads.services, the same calls as the API)."""

import csv
from datetime import UTC, datetime, timedelta

from django import forms
from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from contacts.selectors import activity_timeline
from reps.selectors import rep_list
from routeswit.api.errors import ApiError
from routeswit.orgs.models import Role
from routeswit.web import flash_error, org_view, paginate
from routing.selectors import ruleset_list

from . import selectors, services
from .api import PATCHABLE_STATUSES, LeadFilter
from .models import Lead, LeadStatus

CSV_COLUMNS = [
    "id",
    "lead_id",
    "status",
    "ruleset",
    "ruleset_version",
    "rep_id",
    "rep_email",
    "attempts",
    "assigned_at",
    "first_response_at",
    "created_at",
]


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(s, s.title()) for s in PATCHABLE_STATUSES])


class RerouteForm(forms.Form):
    tier = forms.IntegerField(min_value=1, required=False)
    reason = forms.CharField(max_length=2000, required=False)


def filtered_leads(request):
    """The API's own filters (leads.api.LeadFilter: status, rep, ruleset, created_after/before) plus a search
    over the client's lead id, our id and the contact's email or name."""
    leads = LeadFilter(_filter_params(request.GET), queryset=selectors.lead_list(org=request.org)).qs
    return selectors.lead_search(leads=leads, q=request.GET.get("q", "")).order_by("-created_at", "-pk")


def _filter_params(params):
    """Dates from <input type=date> are whole days in the viewer's timezone."""
    params = params.copy()
    for name in ("created_after", "created_before"):
        value = params.get(name, "")
        if len(value) == 10:
            try:
                day = datetime.fromisoformat(value)
            except ValueError:
                continue
            if name == "created_before":
                day += timedelta(days=1)
            params[name] = timezone.make_aware(day).isoformat()
    return params


@org_view()
def lead_list(request):
    leads = filtered_leads(request)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "leads/lead_list.html",
        {
            "page": paginate(request, leads),
            "query": query.urlencode(),
            "statuses": LeadStatus.values,
            "reps": rep_list(org=request.org, include_inactive=True).order_by("name"),
            "rulesets": ruleset_list(org=request.org).exclude(current_version=None).order_by("slug"),
            "params": request.GET,
            "filtered": any(
                request.GET.get(k)
                for k in ("q", "status", "rep", "ruleset", "created_after", "created_before")
            ),
        },
    )


class _Echo:
    def write(self, value):
        return value


def _csv_rows(leads):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    rows = leads.prefetch_related(None).values_list(
        "public_id",
        "lead_id",
        "status",
        "ruleset__slug",
        "ruleset_version__number",
        "rep__public_id",
        "rep__email",
        "attempts",
        "assigned_at",
        "first_response_at",
        "created_at",
    )
    for row in rows.iterator(chunk_size=2000):
        yield writer.writerow([_csv_value(v) for v in row])


def _csv_value(value):
    if hasattr(value, "isoformat"):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return "" if value is None else value


@org_view()
def lead_export(request):
    """Streams every matching lead: rows are read in chunks, never all at once."""
    response = StreamingHttpResponse(
        _csv_rows(filtered_leads(request)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="leads-{request.org.slug}-{stamp}.csv"'
    return response


def _lead(request, ref: str) -> Lead:
    return selectors.lead_get(org=request.org, ref=ref)


@org_view()
def lead_detail(request, ref):
    lead = _lead(request, ref)
    history = list(lead.assignments.all())
    latest = history[-1] if history else None
    return render(
        request,
        "leads/lead_detail.html",
        {
            "lead": lead,
            "history": history,
            "latest": latest,
            "explanation": latest.explanation if latest else {},
            "activities": activity_timeline(contact=lead.contact)[:50] if lead.contact else [],
            "status_form": StatusForm(initial={"status": lead.status}),
            "reroute_form": RerouteForm(),
            "closed": not lead.is_open and lead.status != LeadStatus.UNASSIGNED,
        },
    )


@require_POST
@org_view(Role.MANAGER)
def lead_status(request, ref):
    lead = _lead(request, ref)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid status.")
        return redirect("lead_detail", ref=lead.public_id)
    try:
        services.lead_update(lead=lead, data={"status": form.cleaned_data["status"]})
    except ApiError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, f"{lead.lead_id} is now {form.cleaned_data['status']}.")
    return redirect("lead_detail", ref=lead.public_id)


@require_POST
@org_view(Role.MANAGER)
def lead_reroute(request, ref):
    lead = _lead(request, ref)
    form = RerouteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The tier must be a whole number of at least 1.")
        return redirect("lead_detail", ref=lead.public_id)
    try:
        lead = services.lead_reroute(
            lead=lead,
            tier=form.cleaned_data["tier"],
            reason=form.cleaned_data["reason"] or "re-routed from the page",
        )
    except ApiError as exc:
        flash_error(request, exc)
    else:
        who = lead.rep.name if lead.rep else "nobody (UNASSIGNED)"
        messages.success(request, f"Re-routed {lead.lead_id}: attempt {lead.attempts} went to {who}.")
    return redirect("lead_detail", ref=lead.public_id)
