"""Demo leads for `seed_demo`, routed through the real routing service (with their contacts)."""

from leads.services import lead_route

DEMO_LEADS = [
    (
        "LD-1001",
        "inbound",
        {"country": "UK", "company_size": 250, "source": "Web form"},
        "jordan.lee@northwind.example",
    ),
    (
        "LD-1002",
        "inbound",
        {"country": "BR", "company_size": 80, "source": "Webinar"},
        "ana.souza@tailspin.example",
    ),
    (
        "LD-1003",
        "inbound",
        {"country": "JP", "company_size": 1200, "source": "CRM"},
        "kenji.watanabe@contoso.example",
    ),
    ("LD-1004", "inbound", {"country": "DE", "company_size": 40, "source": "Web form"}, None),
    ("LD-1005", "emea-inbound", {"country": "UK", "source": "Webinar"}, None),
    ("LD-1006", "inbound", {"country": "FR", "company_size": 15, "source": "Webinar"}, None),
]


def seed_leads(*, org, stdout) -> None:
    for lead_id, ruleset, attributes, email in DEMO_LEADS:
        data = {"lead_id": lead_id, "ruleset_id": ruleset, "attributes": attributes}
        if email:
            data["contact"] = {"email": email}
        lead_route(org=org, data=data)
    stdout.write(f"Seeded {len(DEMO_LEADS)} routed leads.")
