"""Operational endpoints without a key: health, the OpenAPI schema and the docs page (no CDN)."""

import json
import re

import pytest
from django.test import Client, override_settings

from tests.conftest import Api


def test_health_is_ok_without_a_key(db):
    status, body, response = Api(None).get("health")
    assert (status, body) == (200, {"status": "ok"})
    assert response["Content-Type"] == "application/json"


def test_health_ignores_a_bad_key(db):
    assert Api("sk_live_" + "A" * 32).get("health")[0] == 200


@pytest.fixture
def schema(db):
    response = Client().get("/api/v1/schema", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert response.status_code == 200, response.content[:500]
    return json.loads(response.content)


def test_schema_is_openapi_3_without_a_key(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Routeswit API"


def test_schema_describes_reps_and_teams(schema):
    expected = {"/api/v1/reps", "/api/v1/reps/{id}", "/api/v1/teams", "/api/v1/teams/{id}"}
    assert expected <= set(schema["paths"])


def test_schema_declares_both_key_headers(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["apiKeyHeader"] == {"type": "apiKey", "in": "header", "name": "X-API-Key"}


def test_schema_documents_the_error_envelope(schema):
    responses = schema["paths"]["/api/v1/reps"]["post"]["responses"]
    assert {"401", "403", "409", "422", "429"} <= set(responses)
    assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorEnvelope")


def test_schema_yaml_is_the_default(db):
    response = Client().get("/api/v1/schema")
    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")


def _script_sources(html: str) -> list[str]:
    return re.findall(r'<script[^>]+src="([^"]+)"', html)


@pytest.fixture
def docs_html(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    return response.content.decode()


def test_docs_scripts_are_served_from_static(docs_html):
    sources = _script_sources(docs_html)
    assert sources
    assert all(src.startswith("/static/") for src in sources), sources


def test_docs_load_nothing_from_a_cdn(docs_html):
    assert not re.search(r'(src|href)="(https?:)?//', docs_html)


def test_docs_point_at_the_schema(docs_html):
    assert "/api/v1/schema" in docs_html


@override_settings(WHITENOISE_USE_FINDERS=True)
def test_docs_scripts_are_served_by_the_project(docs_html):
    client = Client()
    for src in _script_sources(docs_html):
        response = client.get(src)
        assert response.status_code == 200, src
        assert b"".join(response.streaming_content if response.streaming else [response.content])
