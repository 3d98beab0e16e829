"""CORS on /api/v1: any origin by default, no cookies, configurable."""

from django.test import override_settings

ORIGIN = "https://app.example"


def _preflight(client, path="/api/v1/reps", origin=ORIGIN):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, x-request-id",
        },
    )


def test_preflight_allows_any_origin(client, db):
    response = _preflight(client)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response["Access-Control-Allow-Methods"]


def test_preflight_allows_the_key_headers(client, db):
    allowed = _preflight(client)["Access-Control-Allow-Headers"].lower()
    assert {"authorization", "x-api-key", "content-type", "x-request-id", "idempotency-key"} <= {
        h.strip() for h in allowed.split(",")
    }


def test_no_credentials_are_allowed(client, db):
    assert not _preflight(client).has_header("Access-Control-Allow-Credentials")


def test_actual_response_exposes_request_id_and_link(api):
    _, _, response = api.get("reps", headers={"Origin": ORIGIN})
    assert response["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"x-request-id", "link", "retry-after"} <= exposed


def test_error_responses_are_readable_cross_origin(client, db):
    response = client.get("/api/v1/reps", headers={"Origin": ORIGIN})
    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == "*"


def test_body_too_large_is_readable_cross_origin(client, db):
    response = client.post(
        "/api/v1/reps", "x" * (2**20 + 1), content_type="application/json", headers={"Origin": ORIGIN}
    )
    assert response.status_code == 413
    assert response["Access-Control-Allow-Origin"] == "*"


@override_settings(REQUIRE_HTTPS=True)
def test_https_required_is_readable_cross_origin(client, db):
    response = client.get("/api/v1/reps", headers={"Origin": ORIGIN})
    assert response.status_code == 403
    assert response["Access-Control-Allow-Origin"] == "*"


def test_pages_outside_the_api_get_no_cors(client, db):
    assert not _preflight(client, path="/admin/login/").has_header("Access-Control-Allow-Origin")


@override_settings(CORS_ALLOW_ALL_ORIGINS=False, CORS_ALLOWED_ORIGINS=[ORIGIN])
def test_configured_origins_only(client, db):
    assert _preflight(client)["Access-Control-Allow-Origin"] == ORIGIN
    assert not _preflight(client, origin="https://evil.example").has_header("Access-Control-Allow-Origin")
