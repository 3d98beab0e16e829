"""Rep and team pages: list with one-click status and load, create/edit (reps.services, as the API)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from routeswit.api.errors import ApiError
from routeswit.orgs.models import Role
from routeswit.web import apply_errors, flash_error, org_view, paginate

from . import selectors, services
from .forms import RepForm, StatusForm, TeamForm, rep_initial
from .models import RepStatus


@org_view()
def rep_list(request):
    reps = selectors.rep_list(org=request.org).order_by("name", "pk")
    return render(
        request,
        "reps/rep_list.html",
        {
            "page": paginate(request, reps),
            "teams": selectors.team_list(org=request.org).order_by("name"),
            "statuses": RepStatus.values,
            "now": timezone.now(),
        },
    )


@org_view(Role.MANAGER)
def rep_edit(request, rep_id=None):
    rep = selectors.rep_get(org=request.org, rep_id=rep_id, include_inactive=False) if rep_id else None
    initial = rep_initial(rep) if rep else None
    form = RepForm(request.POST or None, org=request.org, editing=rep is not None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if rep is None:
                rep = services.rep_create(org=request.org, data=form.service_data())
            else:
                rep = services.rep_update(rep=rep, data=form.service_data())
        except ApiError as exc:
            apply_errors(form, exc, field_map={"": "email" if "email" in exc.message else "id"})
        else:
            messages.success(request, f"Saved {rep.name}.")
            return redirect("rep_list")
    status = 422 if request.method == "POST" else 200
    return render(request, "reps/rep_form.html", {"form": form, "rep": rep}, status=status)


@require_POST
@org_view(Role.MANAGER)
def rep_status(request, rep_id):
    """One click: Available / Away (optionally until a time) / Offline. htmx swaps the row."""
    rep = selectors.rep_get(org=request.org, rep_id=rep_id, include_inactive=False)
    form = StatusForm(request.POST)
    if form.is_valid():
        status = form.cleaned_data["status"]
        until = form.cleaned_data["away_until"] if status == RepStatus.AWAY else None
        rep = services.rep_update(rep=rep, data={"status": status, "away_until": until})
        message = f"{rep.name} is now {status.lower()}" + (
            f" until {timezone.localtime(until):%b %-d %H:%M}" if until else ""
        )
        messages.success(request, message + ".")
    else:
        messages.error(request, "Choose Available, Away or Offline.")
    if request.htmx:
        rep = selectors.rep_get(org=request.org, rep_id=rep_id)
        return render(
            request, "reps/_rep_row.html", {"rep": rep, "now": timezone.now(), "statuses": RepStatus.values}
        )
    return redirect("rep_list")


@require_POST
@org_view(Role.MANAGER)
def rep_deactivate(request, rep_id):
    rep = selectors.rep_get(org=request.org, rep_id=rep_id, include_inactive=False)
    services.rep_deactivate(rep=rep)
    messages.success(request, f"{rep.name} is deactivated: never routed to again; history is kept.")
    return redirect("rep_list")


@org_view(Role.MANAGER)
def team_edit(request, team_id=None):
    team = selectors.team_get(org=request.org, team_id=team_id, include_inactive=False) if team_id else None
    initial = {"name": team.name, "members": [r.public_id for r in team.members.all()]} if team else None
    form = TeamForm(request.POST or None, org=request.org, editing=team is not None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if team is None:
                team = services.team_create(org=request.org, data=form.service_data())
            else:
                team = services.team_update(team=team, data=form.service_data())
        except ApiError as exc:
            apply_errors(form, exc, field_map={"": "id"} if exc.status == 409 else None)
        else:
            messages.success(request, f"Saved team {team.name}.")
            return redirect("rep_list")
    status = 422 if request.method == "POST" else 200
    return render(request, "reps/team_form.html", {"form": form, "team": team}, status=status)


@require_POST
@org_view(Role.MANAGER)
def team_deactivate(request, team_id):
    team = selectors.team_get(org=request.org, team_id=team_id, include_inactive=False)
    try:
        services.team_deactivate(team=team)
    except ApiError as exc:
        flash_error(request, exc)
    else:
        messages.success(request, f"Team {team.name} removed; rules naming it no longer expand to anyone.")
    return redirect("rep_list")
