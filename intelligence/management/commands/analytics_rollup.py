"""Roll up the analytics days that need it once (what the worker's beat does every
ANALYTICS_ROLLUP_INTERVAL_SECONDS); handy right after importing old leads."""

from django.core.management.base import BaseCommand

from intelligence.rollups import rollups_build, rollups_enabled


class Command(BaseCommand):
    help = "Build the analytics rollups of ended days that are new or changed since their last build, once."

    def handle(self, *args, **options):
        if not rollups_enabled():
            self.stdout.write("Rollups need PostgreSQL; on this database every summary is read live.")
            return
        self.stdout.write(f"Rolled up {rollups_build()} day(s).")
