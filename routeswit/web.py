"""Shared plumbing for the server-rendered pages: the current organization, role checks, the viewer's
timezone, pagination and turning domain errors into form errors. No business logic lives here."""

import zoneinfo
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from routeswit.api.errors import ApiError, NotFoundError, ValidationFailed
from routeswit.orgs.models import Membership, Role

SESSION_ORG = "current_org_id"
TZ_COOKIE = "tz"
PAGE_SIZE = 25
ROLE_RANK = {Role.VIEWER: 1, Role.MANAGER: 2, Role.ADMIN: 3}


def memberships_of(user) -> list[Membership]:
    return list(Membership.objects.filter(user=user).select_related("org").order_by("org__name", "pk"))


def current_membership(request) -> Membership | None:
    """The membership of the organization picked in the session, else the user's first one."""
    memberships = memberships_of(request.user)
    request.memberships = memberships
    chosen = request.session.get(SESSION_ORG)
    return next((m for m in memberships if m.org_id == chosen), memberships[0] if memberships else None)


def can(membership: Membership | None, role: str) -> bool:
    return membership is not None and ROLE_RANK[membership.role] >= ROLE_RANK[role]


def forbidden(request, message: str = ""):
    return render(request, "403.html", {"message": message}, status=403)


def activate_viewer_timezone(request) -> None:
    """The browser reports its IANA zone in a cookie (static/js/app.js); times render in it."""
    name = request.COOKIES.get(TZ_COOKIE, "")
    try:
        zone = zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = None
    if zone is not None:
        timezone.activate(zone)


def org_view(role: str = Role.VIEWER):
    """A page of the current organization: sign-in required, at least `role` (else the friendly 403), and a
    NotFoundError from a selector (another organization's id) becomes the 404 page."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            activate_viewer_timezone(request)
            try:
                return _org_page(request, view, role, *args, **kwargs)
            finally:
                # Thread-local: it must not leak into the next request (the API renders UTC).
                timezone.deactivate()

        return wrapped

    return decorator


def _org_page(request, view, role: str, *args, **kwargs):
    membership = current_membership(request)
    if membership is None:
        return forbidden(request, "Your account is not a member of any organization yet.")
    request.membership, request.org = membership, membership.org
    request.role_can = {r: can(membership, r) for r in ROLE_RANK}
    if not can(membership, role):
        return forbidden(request, f"This page needs the {Role(role).label.lower()} role.")
    try:
        return view(request, *args, **kwargs)
    except NotFoundError as exc:
        raise Http404(exc.message) from None


def paginate(request, items, per_page: int = PAGE_SIZE):
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def apply_errors(form, exc: ApiError, field_map: dict | None = None) -> None:
    """Show a service's error on the form: ValidationFailed details go next to their fields (mapped through
    `field_map` when the service's names differ), anything else (a conflict) on the form as a whole."""
    field_map = field_map or {}
    details = exc.details if isinstance(exc, ValidationFailed) and exc.details else {"": [exc.message]}
    for key, messages_ in details.items():
        name = field_map.get(key, key.split(".")[0].split("[")[0])
        target = name if name in form.fields else None
        for message in messages_:
            form.add_error(target, message if target else f"{key}: {message}" if key else message)


def flash_error(request, exc: ApiError) -> None:
    messages.error(request, exc.message)
