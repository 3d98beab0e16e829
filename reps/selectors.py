"""Reads of reps and teams, always scoped to one organization."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from routeswit.api.errors import NotFoundError
from routeswit.db import one_or_none
from routeswit.orgs.models import Organization

from .models import Rep, RepStatus, Team


def rep_list(*, org: Organization, include_inactive: bool = False) -> QuerySet[Rep]:
    reps = Rep.objects.filter(org=org).prefetch_related("teams")
    return reps if include_inactive else reps.filter(is_active=True)


def rep_status_q(status: str, now=None) -> Q:
    """The filter for an *effective* status: an AWAY rep past away_until counts as AVAILABLE."""
    now = now or timezone.now()
    back = Q(status=RepStatus.AWAY, away_until__isnull=False, away_until__lte=now)
    if status == RepStatus.AVAILABLE:
        return Q(status=RepStatus.AVAILABLE) | back
    if status == RepStatus.AWAY:
        return Q(status=RepStatus.AWAY) & ~back
    return Q(status=status)


def rep_get(*, org: Organization, rep_id: str, include_inactive: bool = True) -> Rep:
    rep = one_or_none(rep_list(org=org, include_inactive=include_inactive).filter(public_id=rep_id))
    if rep is None:
        raise NotFoundError(f"No rep {rep_id!r}.")
    return rep


def reps_by_ids(*, org: Organization, rep_ids: list[str]) -> dict[str, Rep]:
    return {rep.public_id: rep for rep in Rep.objects.filter(org=org, public_id__in=rep_ids)}


def team_list(*, org: Organization, include_inactive: bool = False) -> QuerySet[Team]:
    teams = Team.objects.filter(org=org).prefetch_related("members")
    return teams if include_inactive else teams.filter(is_active=True)


def team_get(*, org: Organization, team_id: str, include_inactive: bool = True) -> Team:
    team = one_or_none(team_list(org=org, include_inactive=include_inactive).filter(public_id=team_id))
    if team is None:
        raise NotFoundError(f"No team {team_id!r}.")
    return team
