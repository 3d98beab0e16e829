"""Run the SLA breach check once (what the worker's beat does every SLA_CHECK_INTERVAL_SECONDS)."""

from django.core.management.base import BaseCommand

from intelligence.services import sla_breaches_check


class Command(BaseCommand):
    help = "Record new SLA breaches (with their webhook events) and run pending re-routes, once."

    def handle(self, *args, **options):
        recorded = sla_breaches_check()
        self.stdout.write(f"Recorded {recorded} new breach(es).")
