"""Dashboard (intelligence.selectors.analytics_summary, as `GET /analytics/summary`), SLA pages
(intelligence.services, as `/slas`) and the API playground."""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from leads.selectors import lead_unassigned_list
from reps.selectors import rep_list
from routeswit.api.errors import ApiError
from routeswit.orgs.models import Role
from routeswit.web import apply_errors, flash_error, org_view, paginate

from . import selectors, services
from .forms import PERIODS, PeriodForm, SlaForm

ATTENTION_ROWS = 10


# --- dashboard --------------------------------------------------------------------------------------------


def period_bounds(form: PeriodForm) -> tuple[datetime, datetime]:
    """[start, end) in the viewer's timezone: whole local days, the last one being today."""
    now = timezone.localtime()
    today = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
    period = form.cleaned_data["period"] if form.is_valid() else "7"
    if period == "custom" and form.is_valid():
        start = datetime.combine(form.cleaned_data["start"], time(0), tzinfo=now.tzinfo)
        end = datetime.combine(form.cleaned_data["end"], time(0), tzinfo=now.tzinfo) + timedelta(days=1)
        return start, min(end, now)
    days = 1 if period == "today" else int(period)
    return today - timedelta(days=days - 1), now


def _summary(org, start, end) -> dict:
    return selectors.analytics_summary(org=org, flt=selectors.AnalyticsFilter(start=start, end=end))


def _change(now, before) -> dict | None:
    if now is None or before is None:
        return None
    delta = now - before
    return {"value": delta, "direction": "up" if delta > 0 else "down" if delta < 0 else "flat"}


def kpi_tiles(current: dict, previous: dict) -> list[dict]:
    def pick(body, path):
        for key in path:
            body = body.get(key) if body else None
        return body

    specs = [
        ("Leads", ("leads", "total"), "count", True),
        ("Assignment rate", ("routing_efficiency", "assignment_rate"), "rate", True),
        ("Median first response", ("response_time", "median_seconds"), "seconds", False),
        ("SLA compliance", ("sla", "compliance_rate"), "rate", True),
        ("Conversion rate", ("conversion_rate",), "rate", True),
    ]
    tiles = []
    for label, path, kind, higher_is_better in specs:
        value, before = pick(current, path), pick(previous, path)
        change = _change(value, before)
        if change and not higher_is_better and change["direction"] != "flat":
            change["direction"] = "down" if change["direction"] == "up" else "up"
        if change:
            change["text"] = _format(kind, change["value"], delta=True)
        tiles.append({"label": label, "display": _format(kind, value), "change": change})
    return tiles


def _format(kind: str, value, delta: bool = False) -> str:
    if value is None:
        return "—"
    sign = "+" if delta and value > 0 else ""
    if kind == "rate":
        return f"{sign}{value * 100:.1f}{' pts' if delta else '%'}"
    if kind == "seconds":
        minutes = value / 60
        return (
            f"{sign}{value:.0f} s"
            if abs(value) < 90
            else f"{sign}{minutes:.1f} min"
            if abs(minutes) < 90
            else f"{sign}{minutes / 60:.1f} h"
        )
    return f"{sign}{value}"


def dashboard_context(request) -> dict:
    form = PeriodForm(request.GET or None)
    start, end = period_bounds(form)
    length = end - start
    current = _summary(request.org, start, end)
    previous = _summary(request.org, start - length, start)
    reps = {r.public_id: r for r in rep_list(org=request.org)}
    per_rep = [
        {
            "name": row["rep"]["name"],
            "leads": row["leads"],
            "open": reps[row["rep"]["id"]].open_leads if row["rep"]["id"] in reps else 0,
            "conversion": round((row["conversion_rate"] or 0) * 100, 1),
        }
        for row in current["by_rep"][:20]
    ]
    query = request.GET.copy()
    return {
        "form": form,
        "periods": PERIODS,
        "period": form.cleaned_data["period"] if form.is_valid() else "7",
        "start": start,
        "end": end,
        "summary": current,
        "tiles": kpi_tiles(current, previous),
        "charts": {
            "per_day": selectors.analytics_leads_per_day(request.org, start, end),
            "response": selectors.analytics_response_distribution(request.org, start, end),
            "per_rep": per_rep,
        },
        "breaches": selectors.sla_breaches_open(org=request.org)[:ATTENTION_ROWS],
        "unassigned": lead_unassigned_list(org=request.org)[:ATTENTION_ROWS],
        "query": query.urlencode(),
        "refreshed_at": timezone.now(),
    }


@org_view()
def dashboard(request):
    return render(request, "intelligence/dashboard.html", dashboard_context(request))


@org_view()
def dashboard_panel(request):
    """htmx: the dashboard's body, polled every 30 s."""
    return render(request, "intelligence/_dashboard_panel.html", dashboard_context(request))


# --- SLAs -------------------------------------------------------------------------------------------------


@org_view()
def sla_list(request):
    policies = selectors.sla_policy_list(org=request.org).order_by("name", "pk")
    return render(request, "intelligence/sla_list.html", {"page": paginate(request, policies)})


@org_view()
def sla_detail(request, sla_id):
    policy = selectors.sla_policy_get(org=request.org, sla_id=sla_id)
    breaches = selectors.sla_breach_list(policy=policy).order_by("-detected_at", "-pk")
    deliveries = selectors.sla_delivery_list(policy=policy).order_by("-requested_at", "-pk")
    return render(
        request,
        "intelligence/sla_detail.html",
        {"policy": policy, "breaches": breaches[:50], "deliveries": paginate(request, deliveries)},
    )


def _sla_initial(policy) -> dict:
    return {
        "name": policy.name,
        "threshold_minutes": policy.threshold_minutes.normalize(),
        "ruleset_id": policy.ruleset.slug if policy.ruleset else "",
        "webhook_url": policy.webhook_url,
        "on_breach": policy.on_breach,
        "business_hours": policy.business_hours,
        "is_active": policy.is_active,
    }


@org_view(Role.MANAGER)
def sla_edit(request, sla_id=None):
    policy = selectors.sla_policy_get(org=request.org, sla_id=sla_id) if sla_id else None
    form = SlaForm(request.POST or None, org=request.org, initial=_sla_initial(policy) if policy else None)
    if request.method == "POST" and form.is_valid():
        try:
            if policy is None:
                policy, secret = services.sla_policy_create(org=request.org, data=form.service_data())
            else:
                services.sla_policy_update(policy=policy, data=form.service_data())
                secret = None
        except ApiError as exc:
            apply_errors(form, exc)
        else:
            if secret is None:
                messages.success(request, f"Saved SLA {policy.name}.")
                return redirect("sla_detail", sla_id=policy.public_id)
            messages.success(request, f"Created SLA {policy.name}. Copy its signing secret now.")
            response = render(request, "intelligence/sla_created.html", {"policy": policy, "secret": secret})
            response["Cache-Control"] = "no-store"
            return response
    status = 422 if request.method == "POST" else 200
    return render(request, "intelligence/sla_form.html", {"form": form, "policy": policy}, status=status)


@require_POST
@org_view(Role.MANAGER)
def sla_delete(request, sla_id):
    policy = selectors.sla_policy_get(org=request.org, sla_id=sla_id)
    services.sla_policy_delete(policy=policy)
    messages.success(request, f"Deleted SLA {policy.name}; its breaches and deliveries are kept.")
    return redirect("sla_list")


@require_POST
@org_view(Role.MANAGER)
def delivery_retry(request, sla_id, delivery_id):
    policy = selectors.sla_policy_get(org=request.org, sla_id=sla_id)
    delivery = selectors.sla_delivery_get(policy=policy, delivery_id=delivery_id)
    try:
        services.webhook_event_retry(event=delivery.event)
    except ApiError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, f"Event {delivery.event.public_id} queued for another attempt now.")
    return redirect("sla_detail", sla_id=policy.public_id)


# --- API playground ---------------------------------------------------------------------------------------

PLAYGROUND_ENDPOINTS = [
    ("GET", "/api/v1/reps", None),
    ("POST", "/api/v1/reps", {"name": "Alex Rivera", "email": "alex@example.com", "max_open_leads": 20}),
    ("GET", "/api/v1/teams", None),
    ("GET", "/api/v1/rules", None),
    (
        "POST",
        "/api/v1/rules",
        {
            "name": "EMEA Inbound",
            "slug": "emea-inbound",
            "rules": [{"condition": "attributes.country == 'UK'", "target_id": "rep_london_office"}],
        },
    ),
    ("GET", "/api/v1/routing/evaluate", None),
    ("POST", "/api/v1/routing/evaluate", {"attributes": {"country": "UK", "company_size": 500}}),
    ("GET", "/api/v1/leads", None),
    (
        "POST",
        "/api/v1/leads",
        {"lead_id": "LD-8902", "ruleset_id": "emea-inbound", "attributes": {"country": "UK"}},
    ),
    ("GET", "/api/v1/leads/{id}", None),
    ("PATCH", "/api/v1/leads/{id}", {"status": "CONTACTED"}),
    ("POST", "/api/v1/leads/{id}/reroute", {"reason": "rep on leave"}),
    ("GET", "/api/v1/contacts", None),
    ("POST", "/api/v1/contacts", {"email": "ada@example.com", "first_name": "Ada", "company": "Acme"}),
    (
        "POST",
        "/api/v1/contacts/{id}/activities",
        {"type": "CALL", "outcome": "POSITIVE", "notes": "Intro call"},
    ),
    ("GET", "/api/v1/analytics/summary", None),
    ("GET", "/api/v1/slas", None),
    ("GET", "/api/v1/health", None),
]


@org_view()
def playground(request):
    endpoints = [{"method": m, "path": p, "body": b} for m, p, b in PLAYGROUND_ENDPOINTS]
    return render(request, "intelligence/playground.html", {"endpoints": endpoints})
