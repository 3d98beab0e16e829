"""The /api/v1/leads endpoints: route a lead, read it with its explanation, change its status, re-route it."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from routeswit.api.errors import ValidationFailed
from routeswit.api.views import OrgViewSet

from . import selectors, services
from .models import Assignment, Lead, LeadStatus
from .validation import attributes_errors

PATCHABLE_STATUSES = [s for s in LeadStatus.values if s != LeadStatus.UNASSIGNED]
_dt = serializers.DateTimeField()


def _iso(value) -> str | None:
    return _dt.to_representation(value) if value else None


class LeadInput(serializers.Serializer):
    lead_id = serializers.CharField(max_length=255)
    ruleset_id = serializers.CharField(max_length=100)
    attributes = serializers.JSONField()
    contact = serializers.JSONField(required=False, allow_null=True)

    def validate_attributes(self, value):
        errors = attributes_errors(value)
        if errors:
            raise ValidationFailed(errors)
        return value

    def validate_contact(self, value):
        if value is None:
            return None
        from contacts.api import ContactInputSerializer

        contact = ContactInputSerializer(data=value)
        if not contact.is_valid():
            raise ValidationFailed({f"contact.{k}": v for k, v in contact.errors.items()})
        return dict(contact.validated_data)


class LeadPatch(serializers.Serializer):
    status = serializers.ChoiceField(choices=PATCHABLE_STATUSES, required=False)
    attributes = serializers.JSONField(required=False)

    def validate_attributes(self, value):
        errors = attributes_errors(value)
        if errors:
            raise ValidationFailed(errors)
        return value


class RerouteInput(serializers.Serializer):
    tier = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


def rep_brief(rep) -> dict | None:
    return {"id": rep.public_id, "name": rep.name, "email": rep.email} if rep else None


def assignment_dict(assignment: Assignment, with_explanation: bool = False) -> dict:
    data = {
        "rep": rep_brief(assignment.rep),
        "rule": {"id": assignment.rule_public_id, "name": assignment.rule_name}
        if assignment.rule_public_id
        else None,
        "reason": assignment.reason,
        "attempt": assignment.attempt,
        "tier": assignment.tier,
        "assigned_at": _iso(assignment.assigned_at),
        "instructions": assignment.instructions,
    }
    if assignment.note:
        data["note"] = assignment.note
    if with_explanation:
        data["explanation"] = assignment.explanation
    return data


def contact_dict(contact) -> dict | None:
    if contact is None:
        return None
    from contacts.api import ContactSerializer

    return ContactSerializer(contact).data


def lead_dict(lead: Lead, with_history: bool = False) -> dict:
    history = list(lead.assignments.all())
    latest = history[-1] if history else None
    explanation = latest.explanation if latest else {}
    data = {
        "id": lead.public_id,
        "lead_id": lead.lead_id,
        "ruleset_id": lead.ruleset.slug,
        "ruleset_version": lead.ruleset_version.number,
        "status": lead.status,
        "attributes": lead.attributes,
        "assignment": assignment_dict(latest) if latest and latest.rep_id else None,
        "trace": explanation.get("trace", []),
        "trace_omitted": explanation.get("trace_omitted", 0),
        "candidates": explanation.get("candidates", []),
        "fallback": explanation.get("fallback"),
        "contact": contact_dict(lead.contact),
        "first_response_at": _iso(lead.first_response_at),
        "routing_ms": lead.routing_ms,
        "created_at": _iso(lead.created_at),
        "updated_at": _iso(lead.updated_at),
    }
    if with_history:
        data["assignments"] = [assignment_dict(a, with_explanation=True) for a in history]
    return data


class LeadOut(serializers.Serializer):
    """The lead as returned (for the OpenAPI schema)."""

    id = serializers.CharField()
    lead_id = serializers.CharField()
    ruleset_id = serializers.CharField()
    ruleset_version = serializers.IntegerField()
    status = serializers.ChoiceField(choices=LeadStatus.choices)
    attributes = serializers.DictField()
    assignment = serializers.DictField(allow_null=True)
    trace = serializers.ListField(child=serializers.DictField())
    trace_omitted = serializers.IntegerField(help_text="Non-matching rules beyond the first 100 listed.")
    candidates = serializers.ListField(child=serializers.DictField())
    fallback = serializers.DictField(allow_null=True)
    contact = serializers.DictField(allow_null=True)
    first_response_at = serializers.DateTimeField(allow_null=True)
    routing_ms = serializers.FloatField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    assignments = serializers.ListField(child=serializers.DictField(), required=False)


class LeadFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=LeadStatus.choices)
    rep = django_filters.CharFilter(field_name="rep__public_id")
    ruleset = django_filters.CharFilter(method="filter_ruleset")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Lead
        fields = ["status", "rep", "ruleset", "created_after", "created_before"]

    def filter_ruleset(self, queryset, name, value):
        field = "ruleset__public_id" if value.startswith("rs_") else "ruleset__slug"
        return queryset.filter(**{field: value})


@extend_schema_view(
    list=extend_schema(summary="List leads, newest first", responses=LeadOut(many=True)),
    create=extend_schema(
        summary="Route a Lead",
        description="201 when routed; 200 when the same lead_id and body are sent again (no new turn); "
        "409 when the lead_id was sent with a different body.",
        request=LeadInput,
        responses={201: LeadOut, 200: LeadOut},
    ),
    retrieve=extend_schema(
        summary="Get a lead (lead_… id or your lead_id) with its history", responses=LeadOut
    ),
    partial_update=extend_schema(
        summary="Change a lead's status or attributes", request=LeadPatch, responses=LeadOut
    ),
)
class LeadViewSet(OrgViewSet):
    scope = "leads"
    schema_model = Lead
    filterset_class = LeadFilter
    newest_first = True

    def org_queryset(self):
        return selectors.lead_list(org=self.org)

    def cursor_pk(self, cursor: str):
        return Lead.objects.filter(org=self.org, public_id=cursor).values_list("pk", flat=True).first()

    def get_lead(self) -> Lead:
        return selectors.lead_get(org=self.org, ref=self.kwargs["id"])

    def list(self, request):
        leads = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response([lead_dict(lead) for lead in leads])

    def create(self, request):
        serializer = LeadInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        lead, created = services.lead_route(org=self.org, data=serializer.validated_data)
        if not created:
            lead = selectors.lead_get(org=self.org, ref=lead.public_id)
        return Response(lead_dict(lead), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def retrieve(self, request, id=None):
        return Response(lead_dict(self.get_lead(), with_history=True))

    def partial_update(self, request, id=None):
        lead = self.get_lead()
        serializer = LeadPatch(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.lead_update(lead=lead, data=serializer.validated_data)
        return Response(lead_dict(selectors.lead_get(org=self.org, ref=lead.public_id), with_history=True))

    @extend_schema(
        summary="Re-route a lead, excluding every earlier rep", request=RerouteInput, responses=LeadOut
    )
    @action(detail=True, methods=["post"])
    def reroute(self, request, id=None):
        lead = self.get_lead()
        serializer = RerouteInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.lead_reroute(
            lead=lead,
            tier=serializer.validated_data.get("tier"),
            reason=serializer.validated_data.get("reason", ""),
        )
        return Response(lead_dict(selectors.lead_get(org=self.org, ref=lead.public_id), with_history=True))
