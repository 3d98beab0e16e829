"""API keys and webhook signing secrets never appear in logs, error bodies, admin pages or a database dump."""

import json
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from intelligence.models import SlaPolicy
from routeswit.orgs.models import ApiKey
from tests.api.test_structured_logs import json_lines  # noqa: F401 - fixture
from tests.conftest import Api

HOOK = "https://93.184.215.14/hooks/sla"


def _sla(api) -> dict:
    status, body, _ = api.post("slas", {"name": "Fast", "threshold_minutes": 5, "webhook_url": HOOK})
    assert status == 201, body
    return body


def _secrets(key, sla: dict) -> list[str]:
    secret = sla["signing_secret"]
    return [key.raw_key, secret, secret.removeprefix("whsec_")]


def test_logs_of_a_request_series_hold_no_key_or_signing_secret(api, key_a, make_rep, json_lines):  # noqa: F811
    make_rep("rep_a")
    sla = _sla(api)
    api.get("slas")
    api.get(f"slas/{sla['id']}")
    api.post("leads", {"lead_id": "S-1", "ruleset_id": "missing", "attributes": {}})
    api.get("nowhere", headers={"X-API-Key": key_a.raw_key})
    Api(key_a.raw_key + "x").get("reps")
    text = json.dumps(json_lines())
    assert "routeswit.request" in text
    assert not [s for s in _secrets(key_a, sla) if s in text]


def test_error_bodies_never_echo_the_key(key_a):
    wrong = key_a.raw_key[:-1] + ("A" if key_a.raw_key[-1] != "A" else "B")
    for api in (Api(wrong), Api(wrong, header="x-api-key"), Api(key_a.raw_key)):
        for status, _body, response in (
            api.get("reps/rep_missing"),
            api.get("nowhere"),
            api.post("reps", {}),
        ):
            assert status >= 400
            assert key_a.raw_key not in response.content.decode() and wrong not in response.content.decode()


def test_admin_pages_never_show_the_key_or_signing_secret(api, key_a):
    sla = _sla(api)
    admin = get_user_model().objects.create_superuser("root", "root@a.example", "pw")
    client = Client()
    client.force_login(admin)
    policy = SlaPolicy.objects.get(public_id=sla["id"])
    pages = [
        "/admin/orgs/apikey/",
        f"/admin/orgs/apikey/{key_a.api_key.pk}/change/",
        "/admin/intelligence/slapolicy/",
        f"/admin/intelligence/slapolicy/{policy.pk}/change/",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert not [s for s in _secrets(key_a, sla) if s in html], page


@pytest.mark.django_db(transaction=True)
def test_a_database_dump_holds_neither_the_key_nor_the_signing_secret(key_a):
    sla = _sla(Api(key_a.raw_key))
    assert ApiKey.objects.filter(pk=key_a.api_key.pk).exists()
    dump = subprocess.run(
        ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--data-only", connection.settings_dict["NAME"]],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert sla["id"] in dump  # the dump is of the right database
    assert not [s for s in _secrets(key_a, sla) if s in dump]


def test_a_signing_secret_stored_in_clear_before_encryption_is_read_then_encrypted_on_save(api):
    sla = _sla(api)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE intelligence_slapolicy SET signing_secret = %s WHERE public_id = %s",
            [sla["signing_secret"], sla["id"]],
        )
    policy = SlaPolicy.objects.get(public_id=sla["id"])
    assert policy.signing_secret == sla["signing_secret"]
    policy.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT signing_secret FROM intelligence_slapolicy WHERE public_id = %s", [sla["id"]])
        stored = cursor.fetchone()[0]
    assert stored != sla["signing_secret"] and "whsec_" not in stored
    assert SlaPolicy.objects.get(public_id=sla["id"]).signing_secret == sla["signing_secret"]
