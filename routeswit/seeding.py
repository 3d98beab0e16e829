"""The demo data, one step per domain; each app's step is listed here in the order they depend on."""

from collections.abc import Callable


def seed_steps() -> list[Callable]:
    from contacts.seed import seed_contacts
    from intelligence.seed import seed_slas
    from leads.seed import seed_leads
    from reps.seed import seed_reps
    from routing.seed import seed_rulesets

    return [seed_reps, seed_rulesets, seed_leads, seed_contacts, seed_slas]
