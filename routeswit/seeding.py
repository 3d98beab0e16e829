"""The demo data, one step per domain; each app's step is listed here in the order they depend on."""

from collections.abc import Callable


def seed_steps() -> list[Callable]:
    from contacts.seed import seed_contacts
    from intelligence.seed import seed_slas
    from reps.seed import seed_reps

    return [seed_reps, seed_contacts, seed_slas]
