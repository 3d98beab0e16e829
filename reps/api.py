"""The /api/v1/reps and /api/v1/teams endpoints."""

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from routeswit.api.errors import ValidationFailed
from routeswit.api.views import OrgViewSet

from . import selectors, services
from .models import Rep, RepStatus, Team
from .validation import timezone_errors, working_hours_errors

# Caps are PostgreSQL integers: a larger value must be a 422, not a database error.
MAX_CAP = 2**31 - 1


class RepSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id", required=False, max_length=80)
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254)
    status = serializers.ChoiceField(choices=RepStatus.choices, required=False)
    max_open_leads = serializers.IntegerField(min_value=0, max_value=MAX_CAP, allow_null=True, required=False)
    max_leads_per_day = serializers.IntegerField(
        min_value=0, max_value=MAX_CAP, allow_null=True, required=False
    )
    weight = serializers.IntegerField(min_value=1, max_value=100, required=False)
    timezone = serializers.CharField(max_length=64, required=False)
    working_hours = serializers.JSONField(allow_null=True, required=False)
    away_until = serializers.DateTimeField(allow_null=True, required=False)
    teams = serializers.ListField(child=serializers.CharField(), required=False, write_only=True)
    is_active = serializers.BooleanField(read_only=True)
    open_leads = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def validate_timezone(self, value):
        errors = timezone_errors(value)
        if errors:
            raise serializers.ValidationError(errors)
        return value

    def validate_working_hours(self, value):
        errors = working_hours_errors(value)
        if errors:
            raise ValidationFailed(
                {f"working_hours.{k}" if k else "working_hours": v for k, v in errors.items()}
            )
        return value

    def to_representation(self, rep: Rep) -> dict:
        data = super().to_representation(rep)
        data["status"] = rep.effective_status(timezone.now())
        data["teams"] = [t.public_id for t in rep.teams.all() if t.is_active]
        return data

    def validated_for_service(self) -> dict:
        data = dict(self.validated_data)
        if "public_id" in data:
            data["id"] = data.pop("public_id")
        return data


class RepFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RepStatus.choices, method="filter_status")
    team = django_filters.CharFilter(method="filter_team")
    email = django_filters.CharFilter(field_name="email", lookup_expr="iexact")

    class Meta:
        model = Rep
        fields = ["status", "team", "email"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(selectors.rep_status_q(value))

    def filter_team(self, queryset, name, value):
        # One filter() call: the same team row must match both, so a deleted team lists nobody.
        return queryset.filter(teams__public_id=value, teams__is_active=True)


@extend_schema_view(
    list=extend_schema(
        summary="List reps", description="Deactivated reps appear with ?include_inactive=true."
    ),
    create=extend_schema(summary="Create a rep", description="A client may choose the id (rep_...)."),
    retrieve=extend_schema(summary="Get a rep"),
    partial_update=extend_schema(summary="Update a rep"),
    destroy=extend_schema(
        summary="Deactivate a rep", description="History is kept; the rep is never routed to."
    ),
)
class RepViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    OrgViewSet,
):
    scope = "reps"
    serializer_class = RepSerializer
    filterset_class = RepFilter

    schema_model = Rep

    def org_queryset(self):
        include_inactive = self.action != "list" or self.include_inactive()
        return selectors.rep_list(org=self.org, include_inactive=include_inactive).distinct()

    def create(self, request):
        serializer = RepSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rep = services.rep_create(org=self.org, data=serializer.validated_for_service())
        return Response(RepSerializer(rep).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, id=None):
        rep = self.get_object()
        serializer = RepSerializer(rep, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_for_service()
        if "id" in data and data["id"] != rep.public_id:
            raise ValidationFailed({"id": ["An id cannot be changed."]})
        rep = services.rep_update(rep=rep, data=data)
        return Response(RepSerializer(rep).data)

    def destroy(self, request, id=None):
        services.rep_deactivate(rep=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id", required=False, max_length=80)
    name = serializers.CharField(max_length=200)
    members = serializers.ListField(child=serializers.CharField(), required=False, write_only=True)
    is_active = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, team: Team) -> dict:
        data = super().to_representation(team)
        data["members"] = [r.public_id for r in team.members.all() if r.is_active]
        return data

    def validated_for_service(self) -> dict:
        data = dict(self.validated_data)
        if "public_id" in data:
            data["id"] = data.pop("public_id")
        return data


@extend_schema_view(
    list=extend_schema(summary="List teams"),
    create=extend_schema(summary="Create a team"),
    retrieve=extend_schema(summary="Get a team"),
    partial_update=extend_schema(summary="Update a team"),
    destroy=extend_schema(summary="Deactivate a team"),
)
class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    scope = "reps"
    serializer_class = TeamSerializer
    filterset_fields: list[str] = []

    schema_model = Team

    def org_queryset(self):
        include_inactive = self.action != "list" or self.include_inactive()
        return selectors.team_list(org=self.org, include_inactive=include_inactive)

    def create(self, request):
        serializer = TeamSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        team = services.team_create(org=self.org, data=serializer.validated_for_service())
        return Response(TeamSerializer(team).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, id=None):
        team = self.get_object()
        serializer = TeamSerializer(team, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        team = services.team_update(team=team, data=serializer.validated_for_service())
        return Response(TeamSerializer(team).data)

    def destroy(self, request, id=None):
        services.team_deactivate(team=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
