"""Demo reps and teams for `seed_demo`."""

from reps import services

DEMO_REPS = [
    {
        "id": "rep_london_office",
        "name": "London Office",
        "email": "london@demo.example",
        "timezone": "Europe/London",
    },
    {"name": "Alex Rivera", "email": "alex@demo.example", "timezone": "America/New_York", "weight": 2},
    {"name": "Priya Shah", "email": "priya@demo.example", "timezone": "Europe/Berlin", "max_open_leads": 25},
    {"name": "Sam Okafor", "email": "sam@demo.example", "timezone": "Africa/Lagos"},
    {
        "name": "Mia Chen",
        "email": "mia@demo.example",
        "timezone": "Asia/Singapore",
        "working_hours": {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    },
]


def seed_reps(*, org, stdout) -> None:
    reps = [services.rep_create(org=org, data=data) for data in DEMO_REPS]
    services.team_create(
        org=org, data={"id": "team_emea", "name": "EMEA", "members": [r.public_id for r in reps[:3]]}
    )
    services.team_create(
        org=org, data={"id": "team_americas", "name": "Americas", "members": [reps[1].public_id]}
    )
    stdout.write(f"Seeded {len(reps)} reps and 2 teams.")
