"""Scope checks: a view names its resource (`scope = "reps"`); safe methods need :read, others :write."""

from rest_framework import exceptions, permissions

from routeswit.orgs.models import ApiKey, KeyKind


def key_allows(api_key: ApiKey, resource: str, write: bool) -> bool:
    if api_key.kind == KeyKind.SECRET:
        return True
    if api_key.kind == KeyKind.READ_ONLY:
        return not write
    needed = f"{resource}:write" if write else f"{resource}:read"
    return needed in api_key.scopes or (not write and f"{resource}:write" in api_key.scopes)


class HasScope(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            raise exceptions.NotAuthenticated("An API key is required: Authorization: Bearer sk_live_…")
        resource = getattr(view, "scope", None)
        if resource is None:
            return False
        # Some POSTs only read (a preview, a backtest): views list them in read_actions.
        read_action = getattr(view, "action", None) in getattr(view, "read_actions", ())
        write = request.method not in permissions.SAFE_METHODS and not read_action
        if not key_allows(api_key, resource, write):
            verb = "write" if write else "read"
            raise exceptions.PermissionDenied(f"This key lacks the {resource}:{verb} scope.")
        return True
