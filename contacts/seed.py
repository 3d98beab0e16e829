"""Demo contacts and their activities for `seed_demo`."""

from datetime import timedelta

from django.utils import timezone

from contacts import services

DEMO_CONTACTS = [
    {
        "external_id": "crm-1001",
        "email": "jordan.lee@northwind.example",
        "first_name": "Jordan",
        "last_name": "Lee",
        "company": "Northwind",
        "title": "Head of Sales Ops",
        "attributes": {"country": "UK", "company_size": 250},
    },
    {
        "external_id": "crm-1002",
        "email": "ana.souza@tailspin.example",
        "first_name": "Ana",
        "last_name": "Souza",
        "company": "Tailspin Toys",
        "title": "VP Marketing",
        "attributes": {"country": "BR", "company_size": 80},
    },
    {
        "email": "kenji.watanabe@contoso.example",
        "first_name": "Kenji",
        "last_name": "Watanabe",
        "company": "Contoso",
        "phone": "+81 3 5555 0100",
        "attributes": {"country": "JP", "company_size": 1200},
    },
    {
        "email": "fatima.bello@fabrikam.example",
        "first_name": "Fatima",
        "last_name": "Bello",
        "company": "Fabrikam",
    },
]

# (contact index, days ago, activity)
DEMO_ACTIVITIES = [
    (0, 3, {"type": "EMAIL", "notes": "Sent the pricing sheet.", "outcome": "NEUTRAL"}),
    (
        0,
        1,
        {
            "type": "CALL",
            "notes": "Discussed expansion to 50 seats.",
            "outcome": "POSITIVE",
            "rep_id": "rep_london_office",
            "duration_seconds": 900,
        },
    ),
    (1, 2, {"type": "CALL", "notes": "Voicemail.", "outcome": "NO_ANSWER", "duration_seconds": 40}),
    (1, 0, {"type": "MEETING", "notes": "Demo with the marketing team.", "outcome": "POSITIVE"}),
    (2, 1, {"type": "NOTE", "notes": "Prefers contact in the JST morning."}),
]


def seed_contacts(*, org, stdout) -> None:
    contacts = [services.contact_upsert(org=org, data=data)[0] for data in DEMO_CONTACTS]
    now = timezone.now()
    for index, days_ago, data in DEMO_ACTIVITIES:
        occurred_at = now - timedelta(days=days_ago, hours=index + 1)
        services.activity_create(contact=contacts[index], data={**data, "occurred_at": occurred_at})
    stdout.write(f"Seeded {len(contacts)} contacts and {len(DEMO_ACTIVITIES)} activities.")
