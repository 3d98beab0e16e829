"""A demo SLA monitor for `seed_demo`: inactive, pointing at a local URL, so nothing is sent anywhere."""

from django.conf import settings

from intelligence import services

DEMO_WEBHOOK_URL = "http://127.0.0.1:8000/webhooks/demo-receiver"


def seed_slas(*, org, stdout) -> None:
    if not settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS:
        stdout.write("Skipped the demo SLA: WEBHOOK_ALLOW_PRIVATE_NETWORKS is off (it targets localhost).")
        return
    data = {
        "name": "First touch in 15 minutes",
        "threshold_minutes": 15,
        "webhook_url": DEMO_WEBHOOK_URL,
        "is_active": False,
    }
    services.sla_policy_create(org=org, data=data)
    stdout.write("Seeded 1 SLA monitor (inactive: set webhook_url to your receiver, then activate it).")
