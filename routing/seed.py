"""Demo rulesets for `seed_demo`: the API reference's EMEA example and a default inbound ruleset."""

from routing.services import ruleset_save

EMEA = {
    "name": "EMEA Inbound",
    "slug": "emea-inbound",
    "rules": [{"condition": "attributes.country == 'UK'", "target_id": "rep_london_office"}],
    "fallback_target_id": "team_emea",
}

INBOUND = {
    "name": "Inbound",
    "slug": "inbound",
    "is_default": True,
    "description": "Every web, webinar and CRM lead.",
    "fallback_target_id": "team_emea",
    "rules": [
        {
            "name": "Enterprise",
            "condition": "attributes.company_size >= 1000",
            "targets": [{"target_id": "team_americas", "instructions": "Call within 5 min"}],
            "distribution": "least_loaded",
        },
        {
            "name": "UK",
            "conditions": [{"field": "country", "operator": "eq", "value": "UK"}],
            "target_id": "rep_london_office",
        },
        {
            "name": "EMEA",
            "condition": "attributes.country in ['DE', 'FR', 'NL', 'ES']",
            "target_id": "team_emea",
        },
        {
            "name": "Webinar",
            "condition": "attributes.source == 'Webinar'",
            "target_id": "team_emea",
            "distribution": "weighted",
        },
    ],
}


def seed_rulesets(*, org, stdout) -> None:
    for data in (EMEA, INBOUND):
        ruleset_save(org=org, data=data)
    stdout.write("Seeded 2 rulesets (emea-inbound, inbound).")
