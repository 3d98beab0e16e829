"""Revoke an API key by its id (key_…); it fails on the next request."""

from django.core.management.base import BaseCommand, CommandError

from routeswit.api.errors import ApiError
from routeswit.orgs.services import api_key_revoke_by_id


class Command(BaseCommand):
    help = "Revoke an API key."

    def add_arguments(self, parser):
        parser.add_argument("key_id")

    def handle(self, *args, key_id, **options):
        try:
            api_key = api_key_revoke_by_id(key_id=key_id)
        except ApiError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Revoked {api_key.public_id} ({api_key.display}).")
