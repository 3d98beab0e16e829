"""The /api/v1/contacts endpoints: upsert, list, get, and each contact's activity timeline.

`ContactInputSerializer` is also the shape of the optional `contact` object of `POST /leads`.
"""

import django_filters
from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from routeswit.api.errors import ValidationFailed
from routeswit.api.pagination import StartingAfterPagination, parse_limit
from routeswit.api.views import OrgViewSet

from . import selectors, services
from .models import ActivityType, Contact, Outcome

MAX_ATTRIBUTE_KEYS = 200
MAX_ATTRIBUTE_DEPTH = 5


def _depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return max((_depth(v) for v in value), default=0)
    return 0


# Reused wherever the API takes a contact (the `contact` object of POST /leads): validate with it, then
# hand `validated_data` to `contacts.services.contact_upsert(org=..., data=...)`. Nested, its errors come
# out as `contact.email`; only the fields sent are in validated_data, so an update keeps the others.
class ContactInputSerializer(serializers.Serializer):
    """A contact to upsert: matched by `external_id`, else by `email` (case-insensitive); one of them is
    required. Fields not sent are kept; null clears a field."""

    external_id = serializers.CharField(max_length=255, required=False, allow_null=True)
    email = serializers.EmailField(max_length=254, required=False, allow_null=True)
    first_name = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    last_name = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    phone = serializers.CharField(max_length=64, required=False, allow_blank=True, allow_null=True)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    attributes = serializers.DictField(
        required=False,
        allow_null=True,
        help_text=f"Any JSON object (up to {MAX_ATTRIBUTE_KEYS} keys, nested up to {MAX_ATTRIBUTE_DEPTH} "
        "levels); replaces the stored attributes when sent.",
    )

    def validate_attributes(self, value):
        if value is not None and len(value) > MAX_ATTRIBUTE_KEYS:
            raise serializers.ValidationError(f"At most {MAX_ATTRIBUTE_KEYS} keys.")
        if value is not None and _depth(value) > MAX_ATTRIBUTE_DEPTH:
            raise serializers.ValidationError(f"Nested at most {MAX_ATTRIBUTE_DEPTH} levels deep.")
        return value

    def validate(self, data):
        if not data.get("external_id") and not data.get("email"):
            message = "external_id or email is required."
            raise serializers.ValidationError({"external_id": [message], "email": [message]})
        return data


class ContactSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    external_id = serializers.CharField(allow_null=True)
    email = serializers.EmailField(allow_null=True)
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    phone = serializers.CharField()
    company = serializers.CharField()
    title = serializers.CharField()
    attributes = serializers.DictField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ActivityInputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ActivityType.choices)
    notes = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=100_000)
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False, allow_null=True)
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Default: now.")
    rep_id = serializers.CharField(required=False, allow_null=True, max_length=80)
    lead_id = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=255,
        help_text="The lead's id (lead_…) or the client's lead_id. Default: the contact's most recent open "
        "assigned lead. The first activity on an assigned lead sets its first_response_at.",
    )
    duration_seconds = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class ActivitySerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    contact_id = serializers.CharField(source="contact.public_id")
    type = serializers.ChoiceField(choices=ActivityType.choices)
    notes = serializers.CharField()
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_null=True)
    occurred_at = serializers.DateTimeField()
    rep_id = serializers.CharField(source="rep.public_id", allow_null=True, default=None)
    lead_id = serializers.CharField(source="lead.public_id", allow_null=True, default=None)
    duration_seconds = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class ContactFilter(django_filters.FilterSet):
    email = django_filters.CharFilter(method="filter_email")
    external_id = django_filters.CharFilter(field_name="external_id")
    company = django_filters.CharFilter(field_name="company", lookup_expr="iexact")
    q = django_filters.CharFilter(method="filter_q", label="Search in name, email and company.")

    class Meta:
        model = Contact
        fields = ["email", "external_id", "company", "q"]

    def filter_email(self, queryset, name, value):
        return selectors.contact_by_email(contacts=queryset, email=value)

    def filter_q(self, queryset, name, value):
        return selectors.contact_search(contacts=queryset, q=value)


class TimelinePagination(StartingAfterPagination):
    """Newest first by (occurred_at, id); `starting_after` is an activity id of the previous page."""

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = parse_limit(request.query_params.get("limit"))
        queryset = queryset.order_by("-occurred_at", "-pk")
        cursor = request.query_params.get("starting_after")
        if cursor:
            after = queryset.filter(public_id=cursor).values("occurred_at", "pk").first()
            if after is None:
                raise ValidationFailed({"starting_after": [f"No activity with id {cursor!r}."]})
            at = after["occurred_at"]
            queryset = queryset.filter(Q(occurred_at__lt=at) | Q(occurred_at=at, pk__lt=after["pk"]))
        rows = list(queryset[: self.limit + 1])
        self.has_more = len(rows) > self.limit
        self.page = rows[: self.limit]
        return self.page


@extend_schema_view(
    list=extend_schema(
        summary="List contacts",
        parameters=[
            OpenApiParameter("q", str, description="Words that must all appear in name/email/company.")
        ],
    ),
    retrieve=extend_schema(
        summary="Get a contact",
        parameters=[OpenApiParameter("id", str, OpenApiParameter.PATH, description="con_… or external_id.")],
    ),
)
class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    scope = "contacts"
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    schema_model = Contact

    def org_queryset(self):
        return selectors.contact_list(org=self.org)

    def get_object(self):
        return selectors.contact_get(org=self.org, contact_id=self.kwargs["id"])

    @extend_schema(
        summary="Upsert a contact",
        description="Matched by external_id, else by email (case-insensitive); one of them is required. "
        "Fields not sent are kept. 201 when created, 200 when updated.",
        request=ContactInputSerializer,
        responses={201: ContactSerializer, 200: ContactSerializer},
    )
    def create(self, request):
        serializer = ContactInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contact, created = services.contact_upsert(org=self.org, data=serializer.validated_data)
        return Response(
            ContactSerializer(contact).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        methods=["GET"],
        summary="A contact's activity timeline",
        description="Newest first (by occurred_at, then id).",
        parameters=[OpenApiParameter("id", str, OpenApiParameter.PATH, description="con_… or external_id.")],
        responses={200: ActivitySerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Log a call or meeting",
        description="The first activity on an assigned lead (lead_id, else the contact's most recent open "
        "assigned lead) sets the lead's first_response_at (never earlier than its assignment) and moves it "
        "from ASSIGNED to CONTACTED.",
        parameters=[OpenApiParameter("id", str, OpenApiParameter.PATH, description="con_… or external_id.")],
        request=ActivityInputSerializer,
        responses={201: ActivitySerializer},
    )
    @action(detail=True, methods=["get", "post"], filterset_class=None, pagination_class=TimelinePagination)
    def activities(self, request, id=None):
        contact = self.get_object()
        if request.method == "POST":
            serializer = ActivityInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            activity = services.activity_create(contact=contact, data=serializer.validated_data)
            return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(selectors.activity_timeline(contact=contact))
        return self.get_paginated_response(ActivitySerializer(page, many=True).data)

    def get_serializer_class(self):
        return ActivitySerializer if self.action == "activities" else ContactSerializer
