"""Create an organization: `createorg NAME [--slug S]`."""

from django.core.management.base import BaseCommand, CommandError

from routeswit.api.errors import ApiError
from routeswit.orgs.services import org_create


class Command(BaseCommand):
    help = "Create an organization."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--slug")

    def handle(self, *args, name, slug=None, **options):
        try:
            org = org_create(name=name, slug=slug)
        except ApiError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Created organization {org.name} (slug {org.slug}).")
