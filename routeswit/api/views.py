"""Base classes for the API's viewsets, plus the operational endpoints (health, unknown paths)."""

from django.db import connection
from django.http import JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes

from routeswit.api import idempotency
from routeswit.api.errors import Envelope


class OrgViewSet(viewsets.GenericViewSet):
    """Every view works inside `self.org`, the organization of the calling key."""

    scope: str = ""
    schema_model = None  # the model the schema generator should describe
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[^/]+"
    # No OPTIONS metadata (it needs a serializer_class these views do not have): OPTIONS is 405.
    # CORS preflights are answered by corsheaders before any view.
    metadata_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.schema_model.objects.none()
        return self.org_queryset()

    def org_queryset(self):
        raise NotImplementedError

    @property
    def org(self):
        return self.request.auth.org

    def include_inactive(self) -> bool:
        return self.request.query_params.get("include_inactive", "").lower() in ("1", "true", "yes")

    # Idempotency-Key on every POST (routeswit/api/idempotency.py): claimed once the key is authenticated
    # and allowed, completed or released with the response, replayed instead of running the handler.
    idempotency_claim = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method != "POST":
            return
        key = idempotency.key_from_header(request.headers.get(idempotency.HEADER))
        if key is not None:
            self.idempotency_claim = idempotency.idempotency_claim(
                org=self.org, key=key, method=request.method, path=request.get_full_path(), data=request.data
            )

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.IdempotentReplay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.idempotency_claim is not None:
            claim, self.idempotency_claim = self.idempotency_claim, None
            idempotency.idempotency_complete(claim=claim, response=response)
        return response


def _check_redis() -> str | None:
    from django.conf import settings

    if not settings.REDIS_URL:
        return None
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as exc:
        return f"redis: {exc.__class__.__name__}"
    return None


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means the dependency is down
        return f"database: {exc.__class__.__name__}"
    return None


@extend_schema(
    auth=[],
    responses={200: {"type": "object", "properties": {"status": {"type": "string", "enum": ["ok"]}}}},
    summary="Health of the service and its dependencies (no key needed)",
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([])
def health(request):
    failures = [f for f in (_check_database(), _check_redis()) if f]
    if failures:
        failing = ", ".join(failures)
        return Envelope(
            503,
            "SERVICE_UNAVAILABLE",
            f"Unavailable: {failing}",
            {"dependencies": failures},
            headers={"Retry-After": "5"},
        ).drf()
    return JsonResponse({"status": "ok"})


def api_not_found(request, *args, **kwargs):
    return Envelope(404, "NOT_FOUND", f"No API endpoint at {request.path}.").django()
