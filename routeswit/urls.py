from django.contrib import admin
from django.urls import include, path

from routeswit.metrics import metrics_view

urlpatterns = [
    path("api/v1/", include("routeswit.api.urls")),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="metrics"),
    path("", include("routeswit.web_urls")),
]
