"""Writes for reps and teams: ids, email uniqueness, deactivation instead of deletion."""

from django.db import IntegrityError, transaction

from routeswit.api.errors import ConflictError, ValidationFailed
from routeswit.ids import is_valid_client_id, new_public_id
from routeswit.orgs.models import Organization

from .models import Rep, Team

REP_FIELDS = (
    "name",
    "email",
    "status",
    "max_open_leads",
    "max_leads_per_day",
    "weight",
    "timezone",
    "working_hours",
    "away_until",
)


def _public_id(*, model, org: Organization, prefix: str, chosen: str | None) -> str:
    if chosen is None:
        return new_public_id(prefix)
    if not is_valid_client_id(prefix, chosen):
        raise ValidationFailed({"id": [f"Must be {prefix}_ followed by 1-64 of A-Za-z0-9_-."]})
    if model.objects.filter(org=org, public_id=chosen).exists():
        raise ConflictError(f"{chosen} already exists.")
    return chosen


def _email_taken(*, org: Organization, email: str, exclude_pk: int | None = None) -> bool:
    reps = Rep.objects.filter(org=org, is_active=True, email__iexact=email)
    return reps.exclude(pk=exclude_pk).exists() if exclude_pk else reps.exists()


def _teams_for(*, org: Organization, team_ids: list[str]) -> list[Team]:
    teams = list(Team.objects.filter(org=org, is_active=True, public_id__in=team_ids))
    missing = sorted(set(team_ids) - {t.public_id for t in teams})
    if missing:
        raise ValidationFailed({"teams": [f"Unknown team {missing[0]!r}."]})
    return teams


@transaction.atomic
def rep_create(*, org: Organization, data: dict) -> Rep:
    public_id = _public_id(model=Rep, org=org, prefix="rep", chosen=data.get("id"))
    if _email_taken(org=org, email=data["email"]):
        raise ConflictError(f"A rep with email {data['email']} already exists.")
    rep = Rep(org=org, public_id=public_id, **{k: data[k] for k in REP_FIELDS if k in data})
    try:
        with transaction.atomic():
            rep.save()
    except IntegrityError:
        raise ConflictError("A rep with this id or email already exists.") from None
    if "teams" in data:
        rep.teams.set(_teams_for(org=org, team_ids=data["teams"]))
    return rep


@transaction.atomic
def rep_update(*, rep: Rep, data: dict) -> Rep:
    if "email" in data and _email_taken(org=rep.org, email=data["email"], exclude_pk=rep.pk):
        raise ConflictError(f"A rep with email {data['email']} already exists.")
    for field in REP_FIELDS:
        if field in data:
            setattr(rep, field, data[field])
    try:
        with transaction.atomic():
            rep.save()
    except IntegrityError:
        raise ConflictError("A rep with this email already exists.") from None
    if "teams" in data:
        rep.teams.set(_teams_for(org=rep.org, team_ids=data["teams"]))
    return rep


def rep_deactivate(*, rep: Rep) -> Rep:
    """History is kept; the rep is never routed to again and leaves the lists."""
    rep.is_active = False
    rep.save(update_fields=["is_active", "updated_at"])
    return rep


def _members_for(*, org: Organization, rep_ids: list[str]) -> list[Rep]:
    reps = list(Rep.objects.filter(org=org, is_active=True, public_id__in=rep_ids))
    missing = sorted(set(rep_ids) - {r.public_id for r in reps})
    if missing:
        raise ValidationFailed({"members": [f"Unknown rep {missing[0]!r}."]})
    return reps


@transaction.atomic
def team_create(*, org: Organization, data: dict) -> Team:
    public_id = _public_id(model=Team, org=org, prefix="team", chosen=data.get("id"))
    team = Team.objects.create(org=org, public_id=public_id, name=data["name"])
    team.members.set(_members_for(org=org, rep_ids=data.get("members", [])))
    return team


@transaction.atomic
def team_update(*, team: Team, data: dict) -> Team:
    if "name" in data:
        team.name = data["name"]
        team.save(update_fields=["name", "updated_at"])
    if "members" in data:
        team.members.set(_members_for(org=team.org, rep_ids=data["members"]))
    return team


def team_deactivate(*, team: Team) -> Team:
    team.is_active = False
    team.save(update_fields=["is_active", "updated_at"])
    return team
