"""Every page for every role: allowed (200), forbidden (the friendly 403), signed out (to the sign-in page);
another organization's ids are 404."""

import pytest

from routeswit.orgs.models import KeyKind
from routeswit.orgs.services import api_key_create

VIEWER_PAGES = [
    "/dashboard/",
    "/dashboard/panel/",
    "/rulesets/",
    "/rulesets/emea/",
    "/rulesets/emea/diff/?a=1&b=2",
    "/leads/",
    "/leads/LD-1/",
    "/reps/",
    "/contacts/",
    "/slas/",
    "/settings/",
    "/playground/",
]
MANAGER_PAGES = [
    "/rulesets/new/",
    "/rulesets/emea/edit/",
    "/reps/new/",
    "/reps/rep_london/edit/",
    "/teams/new/",
    "/teams/team_emea/edit/",
    "/slas/new/",
]
ADMIN_PAGES = ["/settings/keys/new/"]
ROLES = {"viewer": 1, "manager": 2, "admin": 3}
PAGE_LEVELS = [(p, 1) for p in VIEWER_PAGES] + [(p, 2) for p in MANAGER_PAGES] + [(p, 3) for p in ADMIN_PAGES]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_its_pages_and_a_friendly_403_elsewhere(client_as, world, role):
    client = client_as(role)
    for page, level in PAGE_LEVELS:
        response = client.get(page)
        if ROLES[role] >= level:
            assert response.status_code == 200, (page, response.status_code)
        else:
            assert response.status_code == 403, page
            assert b"You don't have access to this page" in response.content


def test_detail_pages_with_ids_answer_200(client_as, world):
    client = client_as("viewer")
    for page in (
        f"/leads/{world['lead']['id']}/",
        f"/contacts/{world['contact'].public_id}/",
        f"/slas/{world['sla'].public_id}/",
    ):
        assert client.get(page).status_code == 200, page


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    response = client.get("/rulesets/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/rulesets/")


def test_home_is_the_public_landing_page_and_sends_members_to_the_dashboard(client, client_as, users):
    landing = client.get("/")
    assert landing.status_code == 200 and b"Sign in" in landing.content
    assert client_as("viewer").get("/")["Location"] == "/dashboard/"


def test_a_user_without_membership_gets_the_403_page(client_as, world):
    response = client_as("outsider").get("/dashboard/")
    assert response.status_code == 403
    assert b"not a member of any organization" in response.content


def test_sign_in_and_out(client, users):
    response = client.post("/login/", {"username": "viewer-a", "password": "pw-viewer"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/dashboard/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/dashboard/").status_code == 302


def test_wrong_password_keeps_the_username_and_shows_an_error(client, users):
    response = client.post("/login/", {"username": "viewer-a", "password": "nope"})
    assert response.status_code == 200
    assert b"correct username and password" in response.content
    assert b'value="viewer-a"' in response.content


def test_another_organizations_ids_are_404(client_as, world, world_b, org_b):
    client = client_as("admin")
    b_key = api_key_create(org=org_b, kind=KeyKind.READ_ONLY).api_key
    gets = [
        f"/leads/{world_b['lead']['id']}/",
        "/leads/LB-1/",
        f"/contacts/{world_b['contact']}/",
        "/rulesets/b-rules/",
        "/rulesets/b-rules/edit/",
        "/rulesets/b-rules/diff/",
        "/reps/rep_b/edit/",
        "/teams/team_b/edit/",
        f"/slas/{world_b['sla']}/",
        f"/slas/{world_b['sla']}/edit/",
    ]
    for page in gets:
        assert client.get(page).status_code == 404, page
    posts = [
        f"/leads/{world_b['lead']['id']}/status/",
        f"/leads/{world_b['lead']['id']}/reroute/",
        "/reps/rep_b/status/",
        "/reps/rep_b/deactivate/",
        "/teams/team_b/deactivate/",
        "/rulesets/b-rules/archive/",
        "/rulesets/b-rules/test/",
        "/rulesets/b-rules/backtest/",
        f"/slas/{world_b['sla']}/delete/",
        f"/settings/keys/{b_key.public_id}/revoke/",
    ]
    for page in posts:
        assert client.post(page, {"status": "AWAY"}).status_code == 404, page
    b_key.refresh_from_db()
    assert b_key.revoked_at is None


def test_the_org_switcher_changes_the_current_organization(client_as, users, org_b, world, world_b):
    from routeswit.orgs.services import membership_set

    membership_set(org=org_b, user=users["viewer"], role="viewer")
    client = client_as("viewer")
    assert b"Org B" in client.get("/dashboard/").content  # the switcher lists both
    assert client.get("/rulesets/b-rules/").status_code == 404
    response = client.post("/org/switch/", {"org": "org-b"})
    assert response.status_code == 302
    assert client.get("/rulesets/b-rules/").status_code == 200
    assert client.get("/rulesets/emea/").status_code == 404


def test_switching_to_an_organization_you_are_not_in_is_404(client_as, world, org_b):
    assert client_as("viewer").post("/org/switch/", {"org": "org-b"}).status_code == 404


def test_times_render_in_the_viewers_timezone(client_as, world):
    client = client_as("viewer")
    client.cookies["tz"] = "Asia/Tokyo"
    tokyo = client.get("/leads/LD-1/").content.decode()
    client.cookies["tz"] = "UTC"
    utc = client.get("/leads/LD-1/").content.decode()
    assert tokyo != utc
