"""Create an API key and print it alone on the last line (it is never shown again)."""

from django.core.management.base import BaseCommand, CommandError

from routeswit.api.errors import ApiError
from routeswit.orgs.models import KeyKind, Organization
from routeswit.orgs.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key for an organization; prints the key alone on its last line."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="organization slug")
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument("--read-only", action="store_true")
        kind.add_argument("--scopes", help="comma-separated, e.g. leads:write,routing:read")
        parser.add_argument("--name", default="")

    def handle(self, *args, org, read_only=False, scopes=None, name="", **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug {org!r}.")
        kind = KeyKind.READ_ONLY if read_only else KeyKind.RESTRICTED if scopes else KeyKind.SECRET
        scope_list = [s.strip() for s in (scopes or "").split(",") if s.strip()]
        try:
            created = api_key_create(org=organization, kind=kind, scopes=scope_list, name=name)
        except ApiError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Created {kind} key {created.api_key.public_id}; it will not be shown again.")
        self.stdout.write(created.raw_key)
