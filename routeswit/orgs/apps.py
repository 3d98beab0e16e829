from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "routeswit.orgs"
    label = "orgs"
    verbose_name = "Organizations and API keys"
