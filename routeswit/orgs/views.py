"""Pages for signing in, switching organization, and organization settings (API keys, members)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from routeswit.api.errors import ApiError
from routeswit.orgs.forms import ApiKeyForm, MemberForm, RoleForm
from routeswit.orgs.models import ApiKey, Membership, Role
from routeswit.orgs.services import api_key_create, api_key_revoke, membership_remove, membership_set
from routeswit.web import SESSION_ORG, apply_errors, can, current_membership, memberships_of, org_view


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


def home(request):
    """The public landing page; signed-in members go to their dashboard (viewers to the leads)."""
    if not request.user.is_authenticated:
        return render(request, "home.html")
    membership = current_membership(request)
    if membership is None:
        return render(request, "home.html", {"no_org": True})
    return redirect("dashboard")


@require_POST
@org_view()
def org_switch(request):
    chosen = next((m for m in memberships_of(request.user) if m.org.slug == request.POST.get("org")), None)
    if chosen is None:
        raise Http404("Not a member of that organization.")
    request.session[SESSION_ORG] = chosen.org_id
    messages.success(request, f"Switched to {chosen.org.name}.")
    return redirect("dashboard")


def _key_list(org):
    return ApiKey.objects.filter(org=org).select_related("created_by").order_by("revoked_at", "-created_at")


@org_view()
def settings_page(request):
    return render(
        request,
        "orgs/settings.html",
        {
            "keys": _key_list(request.org) if can(request.membership, Role.ADMIN) else [],
            "members": Membership.objects.filter(org=request.org)
            .select_related("user")
            .order_by("user__username"),
            "key_form": ApiKeyForm(),
            "member_form": MemberForm(),
            "roles": Role.choices,
        },
    )


@org_view(Role.ADMIN)
def key_create(request):
    form = ApiKeyForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = api_key_create(
                org=request.org,
                kind=form.cleaned_data["kind"],
                scopes=form.cleaned_data["scopes"],
                name=form.cleaned_data["name"],
                created_by=request.user,
            )
        except ApiError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"API key {created.api_key.display} created. Copy it now.")
            form = ApiKeyForm()
    # The raw key is in this one response only: never stored, never put in the session or a redirect.
    response = render(request, "orgs/key_new.html", {"form": form, "created": created})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@org_view(Role.ADMIN)
def key_revoke(request, key_id):
    api_key = ApiKey.objects.filter(org=request.org, public_id=key_id).first()
    if api_key is None:
        raise Http404("No such key.")
    api_key_revoke(api_key=api_key)
    messages.success(request, f"Key {api_key.display} revoked; it stops working now.")
    return redirect("settings")


@require_POST
@org_view(Role.ADMIN)
def member_add(request):
    form = MemberForm(request.POST)
    if form.is_valid():
        membership_set(org=request.org, user=form.cleaned_data["user"], role=form.cleaned_data["role"])
        messages.success(request, f"{form.cleaned_data['user'].get_username()} is now a member.")
        return redirect("settings")
    return render(
        request,
        "orgs/settings.html",
        {
            "keys": _key_list(request.org),
            "members": Membership.objects.filter(org=request.org).select_related("user"),
            "key_form": ApiKeyForm(),
            "member_form": form,
            "roles": Role.choices,
        },
        status=422,
    )


@require_POST
@org_view(Role.ADMIN)
def member_role(request, membership_id):
    membership = Membership.objects.filter(org=request.org, pk=membership_id).select_related("user").first()
    if membership is None:
        raise Http404("No such member.")
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role.")
    elif membership.user_id == request.user.pk and form.cleaned_data["role"] != Role.ADMIN:
        messages.error(request, "You cannot remove your own admin role; ask another admin.")
    else:
        membership_set(org=request.org, user=membership.user, role=form.cleaned_data["role"])
        messages.success(request, f"{membership.user.get_username()} is now {form.cleaned_data['role']}.")
    return redirect("settings")


@require_POST
@org_view(Role.ADMIN)
def member_remove(request, membership_id):
    membership = Membership.objects.filter(org=request.org, pk=membership_id).select_related("user").first()
    if membership is None:
        raise Http404("No such member.")
    try:
        membership_remove(membership=membership, by_user=request.user)
    except ApiError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{membership.user.get_username()} is no longer a member.")
    return redirect("settings")
