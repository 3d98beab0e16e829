"""OpenAPI details: the API-key security schemes and the error envelope on every operation."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

ErrorEnvelope = inline_serializer(
    name="ErrorEnvelope",
    fields={
        "error": inline_serializer(
            name="Error",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "details": serializers.DictField(required=False),
                "request_id": serializers.CharField(),
            },
        )
    },
)

ERROR_STATUSES = {
    "401": "Missing, malformed, unknown or revoked key (UNAUTHORIZED).",
    "403": "The key lacks the scope (FORBIDDEN), or plain HTTP in production (HTTPS_REQUIRED).",
    "404": "Unknown id, or an id of another organization (NOT_FOUND).",
    "405": "Method not allowed (METHOD_NOT_ALLOWED).",
    "409": "Conflict (CONFLICT).",
    "413": "Body over 1 MiB (PAYLOAD_TOO_LARGE).",
    "415": "Body not JSON (UNSUPPORTED_MEDIA_TYPE).",
    "422": "Invalid input; details maps field paths to messages (VALIDATION_ERROR).",
    "429": "Rate limited, with Retry-After (RATE_LIMITED).",
    "500": "A bug, logged with the request id (SERVER_ERROR).",
    "503": "The database is unreachable, with Retry-After (SERVICE_UNAVAILABLE).",
}


ERROR_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}


IDEMPOTENCY_PARAMETERS = [
    OpenApiParameter(
        "Idempotency-Key",
        {"type": "string", "minLength": 1, "maxLength": 255},
        OpenApiParameter.HEADER,
        description=(
            "Up to 255 characters, kept 24 hours per organization. The same key and request replays the "
            "first successful response; the same key with another path or body is 409 CONFLICT; a "
            "concurrent duplicate waits briefly for the first result, else 409. Errors are not kept."
        ),
    ),
    OpenApiParameter(
        "Idempotent-Replayed",
        str,
        OpenApiParameter.HEADER,
        enum=["true"],
        description="Present when this response is a replay of an earlier request with the same key.",
        response=[200, 201],
    ),
]


class RouteswitAutoSchema(AutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method == "POST" and self.get_auth():
            parameters = [*parameters, *IDEMPOTENCY_PARAMETERS]
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if not self.get_auth():
            return responses
        for status, description in ERROR_STATUSES.items():
            if status not in responses:
                responses[status] = {
                    "description": description,
                    "content": {"application/json": {"schema": ERROR_REF}},
                }
        self.registry.register_on_missing(self.resolve_serializer(ErrorEnvelope, "response"))
        return responses


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "routeswit.api.authentication.ApiKeyAuthentication"
    name = ["bearerAuth", "apiKeyHeader"]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "http", "scheme": "bearer", "description": "Bearer sk_live_… or rk_live_…"},
            {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        ]
