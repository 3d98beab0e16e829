"""Create a demo organization with an admin user, reps, teams and a key (once; re-running changes nothing)."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from routeswit.orgs.models import Organization, Role
from routeswit.orgs.services import api_key_create, membership_set, org_create
from routeswit.seeding import seed_steps

DEMO_SLUG = "demo"
DEMO_PASSWORD = "routeswit-demo"


class Command(BaseCommand):
    help = "Seed a demo organization (idempotent). Writes the demo API key to var/demo-api-key.txt."

    def handle(self, *args, **options):
        key_file = Path(settings.BASE_DIR) / "var" / "demo-api-key.txt"
        if Organization.objects.filter(slug=DEMO_SLUG).exists():
            self.stdout.write("Demo organization already seeded.")
        else:
            raw_key = self._seed()
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(raw_key + "\n")
        self.stdout.write(
            f"Admin login: http://127.0.0.1:8000/admin/  user: admin  password: {DEMO_PASSWORD}"
        )
        if key_file.exists():
            self.stdout.write(f"Demo API key: {key_file.read_text().strip()}")

    @transaction.atomic
    def _seed(self) -> str:
        org = org_create(name="Demo Company", slug=DEMO_SLUG)
        user_model = get_user_model()
        admin = user_model.objects.filter(username="admin").first()
        if admin is None:
            admin = user_model.objects.create_superuser("admin", "admin@example.com", DEMO_PASSWORD)
        membership_set(org=org, user=admin, role=Role.ADMIN)
        for step in seed_steps():
            step(org=org, stdout=self.stdout)
        return api_key_create(org=org, name="Demo key", created_by=admin).raw_key
