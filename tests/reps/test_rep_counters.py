"""Rep.open_leads belongs to routing and status changes: saving a rep loaded earlier never writes it back."""

import pytest

from leads.models import OPEN_STATUSES, Lead
from reps.models import Rep
from reps.services import rep_update

pytestmark = pytest.mark.django_db


def test_editing_a_rep_loaded_before_a_routing_keeps_the_routing_count(api, make_rep, save_rules):
    make_rep("rep_only", max_open_leads=1)
    save_rules("one", [{"target_id": "rep_only"}])
    stale = Rep.objects.get(public_id="rep_only")  # loaded by an edit form before the lead came in
    status, body, _ = api.post("leads", {"lead_id": "L1", "ruleset_id": "one", "attributes": {}})
    assert status == 201 and body["status"] == "ASSIGNED"
    rep_update(rep=stale, data={"status": "AWAY"})
    rep_update(rep=Rep.objects.get(pk=stale.pk), data={"status": "AVAILABLE"})
    rep = Rep.objects.get(pk=stale.pk)
    assert rep.open_leads == Lead.objects.filter(rep=rep, status__in=OPEN_STATUSES).count() == 1
    status, body, _ = api.post("leads", {"lead_id": "L2", "ruleset_id": "one", "attributes": {}})
    assert body["status"] == "UNASSIGNED"  # the cap of 1 holds


def test_a_plain_save_of_a_loaded_rep_leaves_open_leads_alone(make_rep):
    make_rep("rep_x")
    rep = Rep.objects.get(public_id="rep_x")
    stale = Rep.objects.get(pk=rep.pk)
    Rep.objects.filter(pk=rep.pk).update(open_leads=3)
    stale.name = "Renamed"
    stale.save()
    fresh = Rep.objects.get(pk=rep.pk)
    assert (fresh.name, fresh.open_leads) == ("Renamed", 3)
