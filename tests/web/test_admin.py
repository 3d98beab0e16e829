"""The Django admin for ops: lists, searches and detail pages render; actions go through services."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from reps.models import Rep, RepStatus
from routing.models import Ruleset, RulesetVersion


@pytest.fixture
def ops(db):
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("ops", "ops@x.example", "pw"))
    return client


def test_admin_lists_and_detail_pages_render(ops, world):
    version = RulesetVersion.objects.filter(ruleset__slug="emea").first()
    pages = [
        "/admin/reps/rep/?q=london",
        "/admin/reps/team/",
        "/admin/routing/ruleset/?is_default__exact=0",
        f"/admin/routing/ruleset/{Ruleset.objects.get(slug='emea').pk}/change/",
        "/admin/routing/rulesetversion/",
        f"/admin/routing/rulesetversion/{version.pk}/change/",
        "/admin/leads/lead/?status__exact=ASSIGNED&q=LD",
        f"/admin/leads/lead/{world['contact'].leads.first().pk}/change/",
        "/admin/contacts/contact/",
    ]
    for page in pages:
        assert ops.get(page).status_code == 200, page


def test_admin_action_sets_reps_away_through_the_service(ops, world):
    reps = Rep.objects.filter(public_id__in=["rep_london", "rep_paris"])
    response = ops.post(
        "/admin/reps/rep/", {"action": "set_away", "_selected_action": [r.pk for r in reps]}, follow=True
    )
    assert response.status_code == 200
    assert set(reps.values_list("status", flat=True)) == {RepStatus.AWAY}
