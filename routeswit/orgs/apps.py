from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "routeswit.orgs"
    label = "orgs"
    verbose_name = "Organizations and API keys"

    def ready(self):
        from routeswit.api import schema  # noqa: F401  (registers the API-key OpenAPI security scheme)
