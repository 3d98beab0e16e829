"""The /api/v1/rules and /api/v1/routing endpoints: rulesets, versions, backtest, preview and re-refer."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from leads.selectors import lead_get
from routeswit.api.errors import ValidationFailed
from routeswit.api.views import OrgViewSet

from . import preview, selectors, services
from .engine import coerce_query_value
from .models import Distribution, Rule, Ruleset

SLUG_PATTERN = r"^[a-z0-9-]+$"


class TargetInput(serializers.Serializer):
    target_id = serializers.CharField(max_length=80)
    instructions = serializers.CharField(allow_null=True, required=False, allow_blank=True, max_length=2000)


class RuleInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    condition = serializers.CharField(
        allow_null=True, required=False, trim_whitespace=False, max_length=10_000
    )
    conditions = serializers.ListField(child=serializers.JSONField(), allow_null=True, required=False)
    target_id = serializers.CharField(max_length=80, required=False, allow_null=True)
    targets = TargetInput(many=True, required=False, allow_null=True)
    distribution = serializers.ChoiceField(choices=Distribution.choices, required=False)
    priority = serializers.IntegerField(
        required=False, allow_null=True, min_value=-(2**31), max_value=2**31 - 1
    )
    tier = serializers.IntegerField(required=False, min_value=1, max_value=1000)
    is_active = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if attrs.get("target_id") and attrs.get("targets"):
            raise serializers.ValidationError({"targets": ["Give target_id or targets, not both."]})
        return attrs


class RulesetInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    slug = serializers.RegexField(
        SLUG_PATTERN, max_length=100, error_messages={"invalid": "Use a-z, 0-9 and -."}
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    fallback_target_id = serializers.CharField(
        max_length=80, required=False, allow_null=True, allow_blank=True
    )
    is_default = serializers.BooleanField(required=False)
    rules = RuleInput(many=True)


class SimulateInput(RulesetInput):
    slug = serializers.RegexField(SLUG_PATTERN, max_length=100, required=False)
    limit = serializers.IntegerField(
        min_value=1, max_value=preview.SIMULATE_MAX, default=preview.SIMULATE_DEFAULT
    )


def rule_dict(rule: Rule, ruleset: Ruleset | None = None) -> dict:
    data = {
        "id": rule.public_id,
        "name": rule.name,
        "condition": rule.condition,
        "conditions": rule.conditions,
        "target_id": rule.targets[0]["target_id"] if len(rule.targets) == 1 else None,
        "targets": rule.targets,
        "distribution": rule.distribution,
        "priority": rule.priority,
        "tier": rule.tier,
        "is_active": rule.is_active,
        "created_at": _iso(rule.created_at),
        "updated_at": _iso(rule.updated_at),
    }
    if ruleset is not None:
        data["ruleset"] = ruleset.slug
        data["ruleset_id"] = ruleset.public_id
    return data


def _iso(value) -> str | None:
    return serializers.DateTimeField().to_representation(value) if value else None


OBJECT_LIST = {200: {"type": "array", "items": {"type": "object", "additionalProperties": {}}}}


def ruleset_dict(ruleset: Ruleset, with_rules: bool = True) -> dict:
    version = ruleset.current_version
    data = {
        "id": ruleset.public_id,
        "slug": ruleset.slug,
        "name": version.name,
        "description": version.description,
        "fallback_target_id": version.fallback_target_id,
        "version": version.number,
        "is_default": ruleset.is_default,
        "created_at": _iso(ruleset.created_at),
        "updated_at": _iso(version.created_at),
    }
    if with_rules:
        data["rules"] = [rule_dict(r) for r in selectors.version_rules(version=version)]
    return data


class RulesetOut(serializers.Serializer):
    """The ruleset as returned (for the OpenAPI schema)."""

    id = serializers.CharField()
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    fallback_target_id = serializers.CharField(allow_null=True)
    version = serializers.IntegerField()
    is_default = serializers.BooleanField()
    rules = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="Only when one ruleset is read or saved."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


@extend_schema_view(
    list=extend_schema(summary="List rulesets (current versions)", responses=RulesetOut(many=True)),
    create=extend_schema(
        summary="Update Ruleset: create or replace by slug",
        description="Every update is a new immutable version. 201 on create, 200 on update.",
        request=RulesetInput,
        responses={201: RulesetOut, 200: RulesetOut},
    ),
    retrieve=extend_schema(summary="Get a ruleset by slug or id, with its rules", responses=RulesetOut),
    destroy=extend_schema(summary="Archive a ruleset", responses={204: None}),
)
class RulesetViewSet(OrgViewSet):
    scope = "rules"
    schema_model = Ruleset
    read_actions = {"simulate"}

    def org_queryset(self):
        return selectors.ruleset_list(org=self.org).exclude(current_version=None)

    def get_ruleset(self) -> Ruleset:
        return selectors.ruleset_get(org=self.org, ref=self.kwargs["id"])

    def list(self, request):
        rulesets = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([ruleset_dict(r, with_rules=False) for r in rulesets])

    def create(self, request):
        serializer = RulesetInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        ruleset, created = services.ruleset_save(org=self.org, data=serializer.validated_data)
        ruleset.refresh_from_db()
        return Response(
            ruleset_dict(ruleset), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    def retrieve(self, request, id=None):
        return Response(ruleset_dict(self.get_ruleset()))

    def destroy(self, request, id=None):
        services.ruleset_archive(ruleset=self.get_ruleset())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Versions of a ruleset, newest first", responses=OBJECT_LIST)
    @action(detail=True, methods=["get"])
    def versions(self, request, id=None):
        ruleset = self.get_ruleset()
        body = [
            {
                "version": v.number,
                "name": v.name,
                "description": v.description,
                "fallback_target_id": v.fallback_target_id,
                "is_current": v.pk == ruleset.current_version_id,
                "rules": [rule_dict(r) for r in v.rules.all()],
                "created_at": _iso(v.created_at),
            }
            for v in selectors.version_list(ruleset=ruleset).prefetch_related("rules")
        ]
        return Response(body)

    @extend_schema(
        summary="Backtest a draft against recent leads (nothing is written)",
        request=SimulateInput,
        responses=OpenApiTypes.OBJECT,
    )
    @action(detail=True, methods=["post"])
    def simulate(self, request, id=None):
        ruleset = self.get_ruleset()
        serializer = SimulateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        draft = dict(serializer.validated_data)
        limit = draft.pop("limit")
        return Response(preview.ruleset_simulate(org=self.org, ruleset=ruleset, draft=draft, limit=limit))


EvaluateInput = inline_serializer(
    name="EvaluateInput",
    fields={
        "ruleset_id": serializers.CharField(required=False),
        "attributes": serializers.DictField(),
        "tier": serializers.IntegerField(required=False, min_value=1),
        "lead_id": serializers.CharField(required=False),
    },
)
RESERVED_QUERY = {"ruleset", "tier", "attempt"}


def _int_param(raw, name: str, minimum: int = 1) -> int | None:
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationFailed({name: ["Must be a whole number."]}) from None
    if value < minimum:
        raise ValidationFailed({name: [f"Must be at least {minimum}."]})
    return value


class RoutingViewSet(OrgViewSet):
    scope = "routing"
    schema_model = Rule
    read_actions = {"evaluate"}

    @extend_schema(
        summary="Every rule of the current versions, flat",
        parameters=[
            OpenApiParameter("ruleset", str, description="slug or id"),
            OpenApiParameter("is_active", bool),
            OpenApiParameter("tier", int),
        ],
        responses=OBJECT_LIST,
    )
    @action(detail=False, methods=["get"])
    def rules(self, request):
        params = request.query_params
        active = params.get("is_active")
        rules = selectors.current_rules(
            org=self.org,
            ruleset=params.get("ruleset") or None,
            is_active=None if active in (None, "") else active.lower() in ("1", "true", "yes"),
            tier=_int_param(params.get("tier"), "tier"),
        )
        page = self.paginate_queryset(rules)
        return self.get_paginated_response([rule_dict(r, r.version.ruleset) for r in page])

    @extend_schema(
        methods=["GET"],
        summary="Preview: which rule and reps a hypothetical lead would get (nothing changes)",
        description="Every query parameter other than ruleset, tier and attempt is an attribute; values that "
        "read as a JSON number or boolean are typed.",
        parameters=[
            OpenApiParameter("ruleset", str, description="slug or id; default: the organization's default"),
            OpenApiParameter("tier", int),
            OpenApiParameter("attempt", int),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    @extend_schema(methods=["POST"], request=EvaluateInput, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get", "post"])
    def evaluate(self, request):
        if request.method == "POST":
            body = request.data if isinstance(request.data, dict) else {}
            ref, tier, attributes = body.get("ruleset_id"), body.get("tier"), body.get("attributes", {})
            if not isinstance(attributes, dict):
                raise ValidationFailed({"attributes": ["Must be a JSON object."]})
            tier = _int_param(tier, "tier")
            lead_id = str(body.get("lead_id") or "")
        else:
            params = request.query_params
            ref, tier = params.get("ruleset"), _int_param(params.get("tier"), "tier")
            _int_param(params.get("attempt"), "attempt")
            attributes = {k: coerce_query_value(v) for k, v in params.items() if k not in RESERVED_QUERY}
            lead_id = ""
        ruleset = (
            selectors.ruleset_get(org=self.org, ref=ref) if ref else selectors.ruleset_default(org=self.org)
        )
        version = ruleset.current_version
        decision = preview.routing_preview(
            org=self.org, version=version, attributes=attributes, lead_id=lead_id, tier=tier
        )
        return Response(preview.preview_body(decision, ruleset, version))

    @extend_schema(
        summary="Preview a re-route of an existing lead, excluding every rep it already had",
        parameters=[OpenApiParameter("lead_id", str, required=True), OpenApiParameter("tier", int)],
        responses=OpenApiTypes.OBJECT,
    )
    @action(detail=False, methods=["get"], url_path="re-refer")
    def re_refer(self, request):
        ref = request.query_params.get("lead_id")
        if not ref:
            raise ValidationFailed({"lead_id": ["This field is required."]})
        tier = _int_param(request.query_params.get("tier"), "tier")
        lead = lead_get(org=self.org, ref=ref)
        version = lead.ruleset.current_version or lead.ruleset_version
        excluded = set(lead.assignments.exclude(rep=None).values_list("rep_id", flat=True))
        decision = preview.routing_preview(
            org=self.org,
            version=version,
            attributes=lead.attributes,
            lead_id=lead.lead_id,
            tier=tier,
            excluded=excluded,
        )
        body = preview.preview_body(decision, lead.ruleset, version)
        body["lead"] = {"id": lead.public_id, "lead_id": lead.lead_id, "attempt": lead.attempts + 1}
        return Response(body)
