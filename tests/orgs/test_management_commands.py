"""createorg, createapikey, revokeapikey and seed_demo, run as an operator would, keys tried on the API."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reps.models import Rep, Team
from routeswit.orgs.models import ApiKey, KeyKind, Organization
from tests.conftest import Api, assert_error


def run(*args) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


def test_createorg_slugifies_the_name(db):
    run("createorg", "Acme Sales Inc")
    assert Organization.objects.get(slug="acme-sales-inc").name == "Acme Sales Inc"


def test_createorg_takes_a_slug(db):
    lines = run("createorg", "Acme", "--slug", "acme-eu")
    assert Organization.objects.filter(slug="acme-eu").exists()
    assert "acme-eu" in lines[-1]


def test_createorg_duplicate_slug_is_an_error(db):
    run("createorg", "Acme")
    with pytest.raises(CommandError, match="acme"):
        run("createorg", "Acme Again", "--slug", "acme")
    assert Organization.objects.count() == 1


def test_createorg_name_without_letters_is_an_error(db):
    with pytest.raises(CommandError):
        run("createorg", "!!!")


def test_createapikey_prints_a_secret_key_alone_on_the_last_line(org_a):
    last = run("createapikey", "--org", "org-a")[-1]
    assert last.startswith("sk_live_") and len(last) == 40 and last.strip() == last


def test_created_key_authenticates(org_a):
    api = Api(run("createapikey", "--org", "org-a", "--name", "CI")[-1])
    assert api.post("reps", {"name": "A", "email": "a@a.example"})[0] == 201
    assert ApiKey.objects.get(org=org_a).name == "CI"


def test_created_key_works_in_the_x_api_key_header(org_a):
    assert Api(run("createapikey", "--org", "org-a")[-1], header="x-api-key").get("reps")[0] == 200


def test_read_only_key_is_rk_live_and_cannot_write(org_a):
    raw = run("createapikey", "--org", "org-a", "--read-only")[-1]
    assert raw.startswith("rk_live_")
    assert ApiKey.objects.get(org=org_a).kind == KeyKind.READ_ONLY
    api = Api(raw)
    assert api.get("reps")[0] == 200
    assert_error(api.post("reps", {"name": "A", "email": "a@a.example"}), 403, "FORBIDDEN")


def test_scoped_key_is_restricted_to_its_scopes(org_a):
    raw = run("createapikey", "--org", "org-a", "--scopes", "reps:read, leads:write")[-1]
    assert raw.startswith("rk_live_")
    key = ApiKey.objects.get(org=org_a)
    assert (key.kind, key.scopes) == (KeyKind.RESTRICTED, ["leads:write", "reps:read"])
    api = Api(raw)
    assert api.get("reps")[0] == 200
    assert_error(api.post("reps", {"name": "A", "email": "a@a.example"}), 403, "FORBIDDEN")


def test_unknown_scope_is_an_error(org_a):
    with pytest.raises(CommandError, match="reps:admin"):
        run("createapikey", "--org", "org-a", "--scopes", "reps:read,reps:admin")
    assert not ApiKey.objects.exists()


def test_read_only_and_scopes_together_are_an_error(org_a):
    with pytest.raises(CommandError):
        run("createapikey", "--org", "org-a", "--read-only", "--scopes", "reps:read")


def test_createapikey_for_unknown_org_is_an_error(db):
    with pytest.raises(CommandError, match="nowhere"):
        run("createapikey", "--org", "nowhere")


def test_revokeapikey_makes_the_key_fail(org_a):
    raw = run("createapikey", "--org", "org-a")[-1]
    api = Api(raw)
    assert api.get("reps")[0] == 200
    run("revokeapikey", ApiKey.objects.get(org=org_a).public_id)
    assert_error(api.get("reps"), 401, "UNAUTHORIZED")


def test_revokeapikey_unknown_id_is_an_error(db):
    with pytest.raises(CommandError, match="key_nope"):
        run("revokeapikey", "key_nope")


def test_revokeapikey_twice_keeps_the_first_revocation_time(org_a):
    run("createapikey", "--org", "org-a")
    key = ApiKey.objects.get(org=org_a)
    run("revokeapikey", key.public_id)
    first = ApiKey.objects.get(pk=key.pk).revoked_at
    run("revokeapikey", key.public_id)
    assert ApiKey.objects.get(pk=key.pk).revoked_at == first


@pytest.fixture
def demo_dir(settings, tmp_path):
    """seed_demo writes the demo key under BASE_DIR/var: keep it out of the working tree."""
    settings.BASE_DIR = tmp_path
    return tmp_path


def test_seed_demo_makes_a_usable_demo_org(db, demo_dir):
    lines = run("seed_demo")
    org = Organization.objects.get(slug="demo")
    raw = (demo_dir / "var" / "demo-api-key.txt").read_text().strip()
    assert lines[-1] == f"Demo API key: {raw}"
    reps = Api(raw).get("reps")[1]
    assert "rep_london_office" in [r["id"] for r in reps]
    assert Team.objects.filter(org=org).count() == 2


def test_seed_demo_is_idempotent(db, demo_dir):
    run("seed_demo")
    counts = (Rep.objects.count(), Team.objects.count(), ApiKey.objects.count())
    lines = run("seed_demo")
    assert Organization.objects.filter(slug="demo").count() == 1
    assert (Rep.objects.count(), Team.objects.count(), ApiKey.objects.count()) == counts
    assert "already seeded" in lines[0]


def test_seed_demo_routes_leads_through_its_rulesets(db):
    from leads.models import Lead
    from routing.models import Ruleset

    call_command("seed_demo", stdout=StringIO())
    assert set(Ruleset.objects.values_list("slug", flat=True)) == {"emea-inbound", "inbound"}
    assert Lead.objects.count() == 6 and Lead.objects.exclude(rep=None).count() == 6
    assert Lead.objects.filter(first_response_at__isnull=False).exists()
