"""Contact pages: list and search, detail with the timeline and a form to log an activity
(contacts.services.activity_create, as `POST /contacts/{id}/activities`)."""

from django.contrib import messages
from django.shortcuts import redirect, render

from leads.selectors import lead_list
from routeswit.api.errors import ApiError
from routeswit.orgs.models import Role
from routeswit.web import apply_errors, can, org_view, paginate

from . import selectors, services
from .forms import ActivityForm


@org_view()
def contact_list(request):
    contacts = selectors.contact_list(org=request.org)
    q = request.GET.get("q", "").strip()
    if q:
        contacts = selectors.contact_search(contacts=contacts, q=q)
    return render(
        request,
        "contacts/contact_list.html",
        {
            "page": paginate(request, contacts.order_by("-updated_at", "-pk")),
            "q": q,
            "query": f"q={q}" if q else "",
        },
    )


@org_view()
def contact_detail(request, contact_id):
    contact = selectors.contact_get(org=request.org, contact_id=contact_id)
    leads = list(lead_list(org=request.org).filter(contact=contact).order_by("-created_at"))
    form = ActivityForm(request.POST or None, org=request.org, leads=leads)
    if request.method == "POST":
        if not can(request.membership, Role.MANAGER):
            return render(
                request, "403.html", {"message": "Logging activities needs the manager role."}, status=403
            )
        if form.is_valid():
            try:
                activity = services.activity_create(contact=contact, data=form.service_data())
            except ApiError as exc:
                apply_errors(form, exc, field_map={"duration_seconds": "duration_minutes"})
            else:
                messages.success(request, f"Logged a {activity.get_type_display().lower()} with {contact}.")
                return redirect("contact_detail", contact_id=contact.public_id)
    return render(
        request,
        "contacts/contact_detail.html",
        {
            "contact": contact,
            "leads": leads,
            "page": paginate(request, selectors.activity_timeline(contact=contact)),
            "form": form,
        },
        status=422 if request.method == "POST" else 200,
    )
