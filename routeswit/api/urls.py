"""Everything under /api/v1: each app registers its viewsets here; unknown paths answer the JSON envelope."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from contacts.api import ContactViewSet
from intelligence.api import AnalyticsViewSet, SlaViewSet
from leads.api import LeadViewSet
from reps.api import RepViewSet, TeamViewSet
from routeswit.api.views import api_not_found, health
from routing.api import RoutingViewSet, RulesetViewSet

router = SimpleRouter(trailing_slash=False)
router.register("reps", RepViewSet, basename="rep")
router.register("teams", TeamViewSet, basename="team")
router.register("contacts", ContactViewSet, basename="contact")
router.register("rules", RulesetViewSet, basename="ruleset")
router.register("routing", RoutingViewSet, basename="routing")
router.register("leads", LeadViewSet, basename="lead")
router.register("analytics", AnalyticsViewSet, basename="analytics")
router.register("slas", SlaViewSet, basename="sla")

urlpatterns = [
    path("health", health, name="health"),
    path(
        "schema", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]), name="schema"
    ),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    *router.urls,
    re_path(r"^.*$", api_not_found),
]
