"""Every form of the pages: success through the same services as the API, and errors shown next to fields."""

from datetime import timedelta

import pytest
from django.utils import timezone

from leads.models import Lead
from reps.models import Rep, RepStatus
from routeswit.orgs.models import ApiKey, Membership
from routing.models import PoolTurn, Ruleset
from routing.selectors import ruleset_get, version_rules


def editor_data(rules: list[dict], **ruleset) -> dict:
    """The editor's POST: ruleset fields and one formset form per rule (ORDER = position)."""
    data = {
        "name": "EMEA",
        "slug": "emea",
        "rules-TOTAL_FORMS": len(rules),
        "rules-INITIAL_FORMS": 0,
        **ruleset,
    }
    for index, rule in enumerate(rules):
        prefix = f"rules-{index}-"
        fields = {
            "mode": "expression",
            "distribution": "round_robin",
            "tier": 1,
            "is_active": "on",
            "ORDER": index + 1,
            **rule,
        }
        data.update({prefix + key: value for key, value in fields.items()})
    return data


def test_editor_creates_a_ruleset_through_ruleset_save(client_as, org_a, make_rep):
    make_rep("rep_london")
    response = client_as("manager").post(
        "/rulesets/new/",
        editor_data(
            [{"name": "UK", "condition": "attributes.country == 'UK'", "targets": ["rep_london"]}], slug="uk"
        ),
    )
    assert response.status_code == 302 and response["Location"] == "/rulesets/uk/"
    ruleset = ruleset_get(org=org_a, ref="uk")
    [rule] = version_rules(version=ruleset.current_version)
    assert (rule.condition, rule.targets[0]["target_id"]) == ("attributes.country == 'UK'", "rep_london")


def test_editor_saves_a_new_version_in_the_arranged_order_without_removed_rules(client_as, org_a, world):
    data = editor_data(
        [
            {"name": "UK", "condition": "attributes.country == 'UK'", "targets": ["rep_london"], "ORDER": 2},
            {
                "name": "Builder",
                "mode": "builder",
                "sfield": "company_size",
                "sop": "gte",
                "svalue": "500",
                "targets": ["team_emea"],
                "ORDER": 1,
            },
            {"name": "Gone", "mode": "always", "targets": ["rep_paris"], "DELETE": "on", "ORDER": 3},
        ]
    )
    response = client_as("manager").post("/rulesets/emea/edit/", data)
    assert response.status_code == 302
    ruleset = ruleset_get(org=org_a, ref="emea")
    assert ruleset.current_version.number == 3
    rules = version_rules(version=ruleset.current_version)
    assert [r.name for r in rules] == ["Builder", "UK"]
    assert rules[0].conditions == [{"field": "company_size", "operator": "gte", "value": 500}]


def test_editor_shows_a_bad_condition_next_to_its_field_and_keeps_the_input(client_as, world):
    data = editor_data([{"name": "Bad", "condition": "attributes.country == ", "targets": ["rep_london"]}])
    response = client_as("manager").post("/rulesets/emea/edit/", data)
    assert response.status_code == 422
    body = response.content.decode()
    assert "1:23: Syntax error" in body
    assert "attributes.country == </textarea>" in body
    assert ruleset_get(org=response.wsgi_request.org, ref="emea").current_version.number == 2


def test_editor_reports_a_rule_without_targets_and_a_bad_slug(client_as, org_a, world):
    response = client_as("manager").post(
        "/rulesets/new/", editor_data([{"mode": "always"}], slug="Not A Slug")
    )
    assert response.status_code == 422
    assert b"Use a-z, 0-9 and -." in response.content
    response = client_as("manager").post("/rulesets/new/", editor_data([{"mode": "always"}], slug="fresh"))
    assert response.status_code == 422
    assert b"A rule needs target_id or targets." in response.content
    assert not Ruleset.objects.filter(org=org_a, slug="fresh").exists()


def test_condition_check_says_valid_or_shows_the_error_with_its_position(client_as, world):
    client = client_as("manager")
    ok = client.post("/rulesets/check-condition/", {"rules-0-condition": "attributes.country == 'UK'"})
    assert b"Valid condition" in ok.content
    bad = client.post("/rulesets/check-condition/", {"rules-0-condition": "attributes.x == 1 &&\n  nope(2)"})
    text = bad.content.decode()
    assert "Line 2, column 7" in text and "undeclared reference to &#x27;nope&#x27;" in text
    assert "      ^" in text


def test_test_a_lead_shows_the_rule_and_next_rep_and_consumes_no_turn(client_as, world):
    turns = list(PoolTurn.objects.values_list("turns", flat=True))
    leads = Lead.objects.count()
    response = client_as("viewer").post("/rulesets/emea/test/", {"attributes_json": '{"country": "UK"}'})
    body = response.content.decode()
    assert "Matches <strong>UK</strong>" in body and "<strong>Next:</strong> London" in body
    assert list(PoolTurn.objects.values_list("turns", flat=True)) == turns
    assert Lead.objects.count() == leads


def test_test_a_lead_takes_key_value_rows_and_rejects_bad_json(client_as, world):
    client = client_as("viewer")
    rows = client.post("/rulesets/emea/test/", {"key": ["country"], "value": ["UK"]})
    assert b"Matches <strong>UK</strong>" in rows.content
    bad = client.post("/rulesets/emea/test/", {"attributes_json": "[1, 2"})
    assert b"Not valid JSON" in bad.content


def test_backtest_compares_the_draft_with_what_happened(client_as, world):
    data = editor_data([{"name": "All to Paris", "mode": "always", "targets": ["rep_paris"]}], limit=100)
    response = client_as("manager").post("/rulesets/emea/backtest/", data)
    body = response.content.decode()
    assert "Leads compared" in body and "LD-1" in body  # LD-1 went to London, the draft sends it to Paris


def test_archive_a_ruleset(client_as, org_a, world):
    assert client_as("manager").post("/rulesets/emea/archive/").status_code == 302
    assert Ruleset.objects.get(org=org_a, slug="emea").archived_at is not None


def test_lead_status_change_and_its_error(client_as, world, org_a):
    client = client_as("manager")
    lead = world["lead"]
    response = client.post(f"/leads/{lead['id']}/status/", {"status": "CONVERTED"}, follow=True)
    assert b"is now CONVERTED" in response.content
    assert Lead.objects.get(public_id=lead["id"]).status == "CONVERTED"
    bad = client.post(f"/leads/{lead['id']}/status/", {"status": "NOPE"}, follow=True)
    assert b"Choose a valid status" in bad.content


def test_reroute_gives_the_lead_to_another_rep(client_as, world):
    lead = world["lead"]
    response = client_as("manager").post(f"/leads/{lead['id']}/reroute/", {"reason": "on leave"}, follow=True)
    assert b"attempt 2" in response.content
    assert Lead.objects.get(public_id=lead["id"]).attempts == 2


def test_lead_detail_explains_why_this_rep(client_as, world):
    body = client_as("viewer").get("/leads/LD-1/").content.decode()
    assert "Rule <strong>UK</strong> matched" in body
    assert "Rules tried" in body and "eligible" in body


def test_create_a_rep_with_working_hours(client_as, org_a, world):
    data = {
        "name": "Berlin",
        "email": "berlin@a.example",
        "status": "AVAILABLE",
        "weight": 2,
        "timezone": "Europe/Berlin",
        "mon_0_start": "09:00",
        "mon_0_end": "17:30",
        "teams": ["team_emea"],
    }
    response = client_as("manager").post("/reps/new/", data)
    assert response.status_code == 302
    rep = Rep.objects.get(org=org_a, email="berlin@a.example")
    assert rep.working_hours == {"mon": [["09:00", "17:30"]]} and rep.timezone == "Europe/Berlin"
    assert [t.public_id for t in rep.teams.all()] == ["team_emea"]


def test_rep_form_errors_stay_next_to_their_fields(client_as, world):
    client = client_as("manager")
    taken = client.post(
        "/reps/new/",
        {
            "name": "X",
            "email": "rep_london@a.example",
            "status": "AVAILABLE",
            "weight": 1,
            "timezone": "UTC",
            "always_available": "on",
        },
    )
    assert taken.status_code == 422 and b"already exists" in taken.content
    assert b'value="rep_london@a.example"' in taken.content
    hours = client.post(
        "/reps/new/",
        {
            "name": "Y",
            "email": "y@a.example",
            "status": "AVAILABLE",
            "weight": 1,
            "timezone": "UTC",
            "tue_0_start": "18:00",
            "tue_0_end": "09:00",
        },
    )
    assert hours.status_code == 422 and b"The start must be before the end." in hours.content


def test_edit_a_rep_and_deactivate_it(client_as, world, org_a):
    client = client_as("manager")
    data = {
        "name": "London Office",
        "email": "rep_london@a.example",
        "status": "OFFLINE",
        "weight": 3,
        "timezone": "Europe/London",
        "always_available": "on",
        "max_open_leads": 5,
    }
    assert client.post("/reps/rep_london/edit/", data).status_code == 302
    rep = Rep.objects.get(org=org_a, public_id="rep_london")
    assert (rep.name, rep.status, rep.max_open_leads) == ("London Office", "OFFLINE", 5)
    assert client.post("/reps/rep_london/deactivate/").status_code == 302
    rep.refresh_from_db()
    assert rep.is_active is False


def test_one_click_status_returns_the_row_for_htmx(client_as, world, org_a):
    until = (timezone.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client_as("manager").post(
        "/reps/rep_paris/status/", {"status": "AWAY", "away_until": until}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b'<tr id="rep-rep_paris">' in response.content and b"is now away until" in response.content
    rep = Rep.objects.get(org=org_a, public_id="rep_paris")
    assert rep.status == RepStatus.AWAY and rep.away_until is not None


def test_viewers_cannot_change_a_reps_status(client_as, world, org_a):
    assert client_as("viewer").post("/reps/rep_paris/status/", {"status": "OFFLINE"}).status_code == 403
    assert Rep.objects.get(org=org_a, public_id="rep_paris").status == RepStatus.AVAILABLE


def test_create_and_edit_a_team(client_as, world, org_a):
    client = client_as("manager")
    assert (
        client.post("/teams/new/", {"id": "team_uk", "name": "UK", "members": ["rep_london"]}).status_code
        == 302
    )
    assert client.post("/teams/team_uk/edit/", {"name": "UK+", "members": ["rep_paris"]}).status_code == 302
    dup = client.post("/teams/new/", {"id": "team_uk", "name": "Again"})
    assert dup.status_code == 422 and b"already exists" in dup.content


def test_log_an_activity_and_see_it_on_the_timeline(client_as, world):
    contact = world["contact"]
    client = client_as("manager")
    response = client.post(
        f"/contacts/{contact.public_id}/",
        {"type": "MEETING", "outcome": "POSITIVE", "notes": "Demo booked", "duration_minutes": 30},
    )
    assert response.status_code == 302
    assert b"Demo booked" in client.get(f"/contacts/{contact.public_id}/").content


def test_activity_in_the_future_is_refused_next_to_the_field(client_as, world):
    contact = world["contact"]
    future = (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client_as("manager").post(
        f"/contacts/{contact.public_id}/", {"type": "CALL", "occurred_at": future}
    )
    assert response.status_code == 422 and b"Cannot be in the future." in response.content


def test_viewers_cannot_log_activities(client_as, world):
    response = client_as("viewer").post(f"/contacts/{world['contact'].public_id}/", {"type": "CALL"})
    assert response.status_code == 403


def test_contact_search(client_as, world):
    client = client_as("viewer")
    assert b"ada@acme.example" in client.get("/contacts/?q=ada acme").content
    assert b"No contact matches" in client.get("/contacts/?q=zelda").content


@pytest.mark.parametrize("kind", ["secret", "read_only"])
def test_create_an_api_key_shows_it_once(client_as, org_a, users, kind):
    client = client_as("admin")
    response = client.post("/settings/keys/new/", {"name": "CRM", "kind": kind})
    key = ApiKey.objects.get(org=org_a, name="CRM")
    body = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert key.prefix in body and "shown only once" in body
    assert key.created_by == users["admin"]
    assert key.display in client.get("/settings/").content.decode()
    assert "Copy this key now" not in client.get("/settings/").content.decode()


def test_restricted_key_needs_a_scope_and_keeps_them(client_as, org_a, users):
    client = client_as("admin")
    bad = client.post("/settings/keys/new/", {"name": "R", "kind": "restricted"})
    assert b"A restricted key needs a scope." in bad.content
    client.post(
        "/settings/keys/new/", {"name": "R", "kind": "restricted", "scopes": ["leads:write", "reps:read"]}
    )
    assert ApiKey.objects.get(org=org_a, name="R").scopes == ["leads:write", "reps:read"]


def test_revoke_a_key(client_as, key_a):
    response = client_as("admin").post(f"/settings/keys/{key_a.api_key.public_id}/revoke/", follow=True)
    assert b"revoked" in response.content
    key_a.api_key.refresh_from_db()
    assert key_a.api_key.revoked_at is not None


def test_managers_cannot_manage_keys_or_members(client_as, key_a, users):
    client = client_as("manager")
    assert client.post(f"/settings/keys/{key_a.api_key.public_id}/revoke/").status_code == 403
    assert client.post("/settings/members/add/", {"user": "outsider", "role": "admin"}).status_code == 403


def test_add_a_member_and_change_a_role(client_as, org_a, users):
    client = client_as("admin")
    assert (
        client.post("/settings/members/add/", {"user": "out@b.example", "role": "viewer"}).status_code == 302
    )
    membership = Membership.objects.get(org=org_a, user=users["outsider"])
    client.post(f"/settings/members/{membership.pk}/role/", {"role": "manager"})
    membership.refresh_from_db()
    assert membership.role == "manager"
    unknown = client.post("/settings/members/add/", {"user": "nobody", "role": "viewer"})
    assert unknown.status_code == 422 and b"No single user" in unknown.content


def test_an_admin_cannot_demote_themself(client_as, org_a, users):
    own = Membership.objects.get(org=org_a, user=users["admin"])
    client_as("admin").post(f"/settings/members/{own.pk}/role/", {"role": "viewer"})
    own.refresh_from_db()
    assert own.role == "admin"


def test_create_an_sla_shows_the_secret_once(client_as, org_a, world):
    response = client_as("manager").post(
        "/slas/new/",
        {
            "name": "Hot",
            "threshold_minutes": "0.5",
            "webhook_url": "https://93.184.215.14/hot",
            "on_breach": "notify",
            "is_active": "on",
            "ruleset_id": "emea",
        },
    )
    assert (
        response.status_code == 200
        and b"whsec_" in response.content
        and b"shown only once" in response.content
    )


def test_sla_form_errors(client_as, world):
    client = client_as("manager")
    bad_url = client.post(
        "/slas/new/", {"name": "X", "threshold_minutes": "5", "webhook_url": "ftp://x", "on_breach": "notify"}
    )
    assert bad_url.status_code == 422 and b"errorlist" in bad_url.content
    zero = client.post(
        "/slas/new/",
        {
            "name": "X",
            "threshold_minutes": "0",
            "webhook_url": "https://93.184.215.14/x",
            "on_breach": "notify",
        },
    )
    assert zero.status_code == 422 and b"Must be above 0." in zero.content


def test_edit_and_delete_an_sla(client_as, world):
    client = client_as("manager")
    sla = world["sla"]
    data = {
        "name": "Faster",
        "threshold_minutes": "2",
        "webhook_url": sla.webhook_url,
        "on_breach": "reroute",
    }
    assert client.post(f"/slas/{sla.public_id}/edit/", data).status_code == 302
    sla.refresh_from_db()
    assert (sla.name, sla.on_breach) == ("Faster", "reroute")
    assert client.post(f"/slas/{sla.public_id}/delete/").status_code == 302
    assert client.get(f"/slas/{sla.public_id}/").status_code == 404


def test_dashboard_periods(client_as, world):
    client = client_as("manager")
    for query in ("period=today", "period=30", "period=90", "period=custom&start=2020-01-01&end=2020-01-31"):
        response = client.get(f"/dashboard/?{query}")
        assert response.status_code == 200 and b'id="chart-data"' in response.content
    bad = client.get("/dashboard/?period=custom&start=2020-02-01&end=2020-01-01")
    assert b"The end must not be before the start." in bad.content
