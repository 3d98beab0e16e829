"""The /api/v1/slas (SLA monitors, breaches, webhook deliveries) and /api/v1/analytics endpoints."""

from datetime import UTC, datetime, time, timedelta

import django_filters
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from leads.models import Lead
from reps.selectors import rep_get
from routeswit.api.errors import ApiError, ValidationFailed
from routeswit.api.views import OrgViewSet
from routing.selectors import ruleset_get

from . import selectors, services
from .models import OnBreach, SlaBreach, SlaPolicy, WebhookDelivery

_dt = serializers.DateTimeField()


def _iso(value) -> str | None:
    return _dt.to_representation(value) if value else None


# --- SLA monitors ---------------------------------------------------------------------------------------


class SlaInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    threshold_minutes = serializers.FloatField(help_text="Minutes, above 0; fractions allowed (0.5).")
    ruleset_id = serializers.CharField(
        max_length=100, required=False, allow_null=True, help_text="Slug or id; null: every ruleset."
    )
    webhook_url = serializers.CharField(
        max_length=2000,
        help_text="https; a host on loopback, private, link-local, multicast or reserved addresses is "
        "refused unless WEBHOOK_ALLOW_PRIVATE_NETWORKS (which also allows http).",
    )
    is_active = serializers.BooleanField(required=False)
    on_breach = serializers.ChoiceField(choices=OnBreach.choices, required=False)
    business_hours = serializers.BooleanField(
        required=False, help_text="When true, only the assigned rep's working hours count."
    )

    def validate_threshold_minutes(self, value):
        if isinstance(self.initial_data.get("threshold_minutes"), bool):
            raise serializers.ValidationError("A valid number is required.")
        if not value > 0:
            raise serializers.ValidationError("Must be above 0.")
        return value


class SlaOut(serializers.Serializer):
    """An SLA policy as returned. The signing secret is only in the creation response."""

    id = serializers.CharField()
    name = serializers.CharField()
    threshold_minutes = serializers.FloatField()
    ruleset_id = serializers.CharField(allow_null=True, help_text="The ruleset's slug, or null (all).")
    webhook_url = serializers.CharField()
    is_active = serializers.BooleanField()
    on_breach = serializers.ChoiceField(choices=OnBreach.choices)
    business_hours = serializers.BooleanField()
    webhook_disabled_at = serializers.DateTimeField(
        allow_null=True, help_text="Set when the receiver answered 410 Gone; saving webhook_url clears it."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class SlaCreatedOut(SlaOut):
    signing_secret = serializers.CharField(
        help_text="whsec_ + base64 of 32 random bytes. Shown once: it is never returned again."
    )


def sla_dict(policy: SlaPolicy) -> dict:
    return {
        "id": policy.public_id,
        "name": policy.name,
        "threshold_minutes": float(policy.threshold_minutes),
        "ruleset_id": policy.ruleset.slug if policy.ruleset_id else None,
        "webhook_url": policy.webhook_url,
        "is_active": policy.is_active,
        "on_breach": policy.on_breach,
        "business_hours": policy.business_hours,
        "webhook_disabled_at": _iso(policy.webhook_disabled_at),
        "created_at": _iso(policy.created_at),
        "updated_at": _iso(policy.updated_at),
    }


class BreachOut(serializers.Serializer):
    id = serializers.CharField()
    sla_id = serializers.CharField()
    lead = serializers.DictField(help_text='{"id": "lead_…", "lead_id": "<your id>"}')
    rep_id = serializers.CharField(allow_null=True)
    detected_at = serializers.DateTimeField()
    elapsed_seconds = serializers.FloatField()
    threshold_seconds = serializers.FloatField()
    action = serializers.CharField(allow_null=True, help_text="What on_breach did (null while pending).")
    event = serializers.DictField(allow_null=True, help_text='{"id": "evt_…", "status": "pending"}')


def breach_dict(breach: SlaBreach) -> dict:
    event = getattr(breach, "event", None)
    return {
        "id": breach.public_id,
        "sla_id": breach.policy.public_id,
        "lead": {"id": breach.lead.public_id, "lead_id": breach.lead.lead_id},
        "rep_id": breach.rep.public_id if breach.rep_id else None,
        "detected_at": _iso(breach.detected_at),
        "elapsed_seconds": round(breach.elapsed_seconds, 3),
        "threshold_seconds": round(breach.threshold_seconds, 3),
        "action": breach.action_result or None,
        "event": {"id": event.public_id, "status": event.status} if event else None,
    }


class DeliveryOut(serializers.Serializer):
    id = serializers.CharField()
    event = serializers.DictField(
        help_text='{"id": "evt_…", "type": "sla.breached", "status": …, "attempts"}'
    )
    attempt = serializers.IntegerField()
    url = serializers.CharField()
    requested_at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True)
    response_body = serializers.CharField(help_text="At most 64 KiB; bytes that are not UTF-8 are escaped.")
    error = serializers.CharField(allow_null=True)
    duration_ms = serializers.FloatField(allow_null=True)
    succeeded = serializers.BooleanField()


def event_dict(event) -> dict:
    return {
        "id": event.public_id,
        "type": event.type,
        "status": event.status,
        "attempts": event.attempts,
        "next_attempt_at": _iso(event.next_attempt_at),
        "delivered_at": _iso(event.delivered_at),
    }


def delivery_dict(delivery: WebhookDelivery) -> dict:
    return {
        "id": delivery.public_id,
        "event": event_dict(delivery.event),
        "attempt": delivery.attempt,
        "url": delivery.url,
        "requested_at": _iso(delivery.requested_at),
        "status_code": delivery.status_code,
        "response_body": delivery.response_body,
        "error": delivery.error or None,
        "duration_ms": delivery.duration_ms,
        "succeeded": delivery.succeeded,
    }


class EventOut(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField()
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)


class SlaFilter(django_filters.FilterSet):
    is_active = django_filters.BooleanFilter()
    on_breach = django_filters.ChoiceFilter(choices=OnBreach.choices)

    class Meta:
        model = SlaPolicy
        fields = ["is_active", "on_breach"]


@extend_schema_view(
    list=extend_schema(summary="List SLA monitors", responses=SlaOut(many=True)),
    create=extend_schema(
        summary="Create an SLA monitor",
        description="The response (201) includes `signing_secret`, shown this once. Breach webhooks are "
        "signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature: v1,<base64 "
        'HMAC-SHA256 of "{id}.{timestamp}.{body}" keyed with the base64-decoded bytes after whsec_>). '
        "A lead breaches when it is ASSIGNED with no first response for threshold_minutes since its "
        "current assignment (with business_hours: the rep's working hours in the rep's timezone only); "
        "it is recorded once per lead and SLA.",
        request=SlaInput,
        responses={201: SlaCreatedOut},
    ),
    retrieve=extend_schema(summary="Get an SLA monitor", responses=SlaOut),
    partial_update=extend_schema(
        summary="Update an SLA monitor",
        description="Saving webhook_url (even unchanged) re-enables an endpoint disabled by 410 Gone.",
        request=SlaInput(partial=True),
        responses=SlaOut,
    ),
    destroy=extend_schema(
        summary="Delete an SLA monitor",
        description="It stops checking and sending; its breaches still count in analytics.",
        responses={204: None},
    ),
)
class SlaViewSet(OrgViewSet):
    scope = "slas"
    schema_model = SlaPolicy
    filterset_class = SlaFilter

    def org_queryset(self):
        return selectors.sla_policy_list(org=self.org)

    def cursor_pk(self, cursor: str):
        if self.action == "breaches":
            rows = selectors.sla_breach_list(policy=self.get_policy())
        elif self.action == "deliveries":
            rows = selectors.sla_delivery_list(policy=self.get_policy())
        else:
            rows = self.org_queryset()
        return rows.filter(public_id=cursor).values_list("pk", flat=True).first()

    def get_policy(self) -> SlaPolicy:
        return selectors.sla_policy_get(org=self.org, sla_id=self.kwargs["id"])

    def list(self, request):
        policies = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response([sla_dict(p) for p in policies])

    def create(self, request):
        serializer = SlaInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        policy, secret = services.sla_policy_create(org=self.org, data=serializer.validated_data)
        return Response({**sla_dict(policy), "signing_secret": secret}, status=status.HTTP_201_CREATED)

    def retrieve(self, request, id=None):
        return Response(sla_dict(self.get_policy()))

    def partial_update(self, request, id=None):
        policy = self.get_policy()
        serializer = SlaInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return Response(sla_dict(services.sla_policy_update(policy=policy, data=serializer.validated_data)))

    def destroy(self, request, id=None):
        services.sla_policy_delete(policy=self.get_policy())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Breaches of an SLA, newest first", responses=BreachOut(many=True))
    @action(detail=True, methods=["get"])
    def breaches(self, request, id=None):
        self.newest_first = True
        rows = self.paginate_queryset(selectors.sla_breach_list(policy=self.get_policy()))
        return self.get_paginated_response([breach_dict(b) for b in rows])

    @extend_schema(
        summary="Webhook delivery attempts of an SLA, newest first",
        description="One row per attempt; the same event (webhook-id) appears once per attempt.",
        responses=DeliveryOut(many=True),
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, id=None):
        self.newest_first = True
        rows = self.paginate_queryset(selectors.sla_delivery_list(policy=self.get_policy()))
        return self.get_paginated_response([delivery_dict(d) for d in rows])

    @extend_schema(
        summary="Retry the event of a delivery",
        description="Queues the delivery's event for one more attempt now, with the same webhook-id "
        "(whatever its status: a delivered event is sent again). If that attempt fails, the automatic "
        "schedule continues from the attempts made so far (an event past its last retry fails again). "
        "409 while an attempt of the event is in progress. Returns the event.",
        request=None,
        responses=EventOut,
        parameters=[OpenApiParameter("delivery_id", str, OpenApiParameter.PATH, description="dlv_…")],
    )
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[^/]+)/retry")
    def retry(self, request, id=None, delivery_id=None):
        delivery = selectors.sla_delivery_get(policy=self.get_policy(), delivery_id=delivery_id)
        return Response(event_dict(services.webhook_event_retry(event=delivery.event)))


# --- analytics ------------------------------------------------------------------------------------------


def _rates_help() -> str:
    return (
        "Leads are those created in [from, to). Rates are fractions in [0, 1], null without a "
        "denominator. leads.assigned: leads that have a rep now; unassigned: the others; rerouted: more "
        "than one routing attempt; conversion_rate: converted / total. response_time measures, for each "
        "lead with a first response, first_response_at minus the time the lead was FIRST assigned to a rep "
        "(re-routes do not restart the clock); median and p90 are percentile_cont (linear interpolation). "
        "routing_efficiency: assignment_rate = assigned / total; first_attempt_rate = leads given a rep by "
        "their first routing attempt and never re-routed / total; fallback_rate = assigned leads whose "
        "current assignment came from the ruleset's fallback / assigned; avg_routing_ms over all leads. "
        "sla.breaches: breach records of these leads (any SLA); compliance_rate: of the assigned leads "
        "some SLA measures (its ruleset scope), the share never breached; null when the organization has "
        "no SLA. by_rep groups by the lead's current rep, by_rule by the rule of its current assignment "
        "(rule null: fallback or unassigned), largest first."
    )


RESPONSE_TIME_HELP = "responded, avg_seconds, median_seconds, p90_seconds (null without responses)"

AnalyticsOut = inline_serializer(
    name="AnalyticsSummary",
    fields={
        "from": serializers.DateTimeField(),
        "to": serializers.DateTimeField(help_text="Exclusive."),
        "leads": serializers.DictField(help_text="total, assigned, unassigned, rerouted, converted"),
        "conversion_rate": serializers.FloatField(allow_null=True),
        "response_time": serializers.DictField(help_text=RESPONSE_TIME_HELP),
        "routing_efficiency": serializers.DictField(
            help_text="assignment_rate, first_attempt_rate, fallback_rate, avg_routing_ms"
        ),
        "sla": serializers.DictField(help_text="breaches, compliance_rate"),
        "by_rep": serializers.ListField(
            child=serializers.DictField(),
            help_text='{"rep": {"id", "name"}, "leads", "converted", "conversion_rate", "response_time"}',
        ),
        "by_rule": serializers.ListField(
            child=serializers.DictField(),
            help_text='{"rule": {"id", "name"} or null, "leads", "converted", "conversion_rate", '
            '"response_time"}',
        ),
    },
)


DEFAULT_PERIOD = timedelta(days=30)


def parse_bound(raw: str | None, param: str, *, end: bool) -> datetime | None:
    """An ISO 8601 date or datetime. A date `from` starts that day (UTC); a date `to` includes the whole day.
    A datetime without an offset is UTC."""
    if raw in (None, ""):
        return None
    try:
        day = parse_date(raw)  # first: parse_datetime would also read a bare date, as midnight
        moment = None if day else parse_datetime(raw)
    except ValueError:
        moment = day = None
    if moment is None and day is None:
        raise ValidationFailed({param: ["Must be an ISO 8601 date (2025-01-31) or datetime."]})
    if moment is None:
        moment = datetime.combine(day + timedelta(days=1) if end else day, time(0), tzinfo=UTC)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def analytics_filter(*, org, params) -> selectors.AnalyticsFilter:
    start = parse_bound(params.get("from"), "from", end=False)
    end = parse_bound(params.get("to"), "to", end=True) or timezone.now().astimezone(UTC)
    start = start or end - DEFAULT_PERIOD
    if start > end:
        raise ValidationFailed({"from": ["Must not be after to."]})
    return selectors.AnalyticsFilter(
        start=start,
        end=end,
        ruleset=_or_invalid("ruleset", params.get("ruleset"), lambda ref: ruleset_get(org=org, ref=ref)),
        rep=_or_invalid("rep", params.get("rep"), lambda ref: rep_get(org=org, rep_id=ref)),
    )


def _or_invalid(param: str, ref: str | None, find):
    if not ref:
        return None
    try:
        return find(ref)
    except ApiError:
        raise ValidationFailed({param: [f"No {param} {ref!r} in this organization."]}) from None


class AnalyticsViewSet(OrgViewSet):
    scope = "analytics"
    schema_model = Lead

    @extend_schema(
        summary="Analytics summary",
        description=_rates_help(),
        parameters=[
            OpenApiParameter("from", str, description="ISO 8601 date or datetime; default: to - 30 days"),
            OpenApiParameter("to", str, description="ISO 8601 date (whole day) or datetime; default: now"),
            OpenApiParameter("ruleset", str, description="slug or id"),
            OpenApiParameter("rep", str, description="rep id (the lead's current rep)"),
        ],
        responses=AnalyticsOut,
    )
    @action(detail=False, methods=["get"])
    def summary(self, request):
        flt = analytics_filter(org=self.org, params=request.query_params)
        return Response(selectors.analytics_summary(org=self.org, flt=flt))
