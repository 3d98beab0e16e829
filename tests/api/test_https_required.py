"""Plain-HTTP API calls are refused with 403 HTTPS_REQUIRED (never redirected); a trusted proxy counts."""

import runpy

import pytest
from django.conf import settings
from django.test import override_settings

from tests.conftest import Api, assert_error

TRUSTED_PROXY = ("HTTP_X_FORWARDED_PROTO", "https")


@override_settings(REQUIRE_HTTPS=True)
def test_plain_http_is_403_https_required(api):
    error = assert_error(api.get("reps"), 403, "HTTPS_REQUIRED")
    assert "HTTPS" in error["message"]


@override_settings(REQUIRE_HTTPS=True)
def test_plain_http_is_refused_before_the_key_is_checked(db):
    assert_error(Api("sk_live_" + "A" * 32).get("reps"), 403, "HTTPS_REQUIRED")


@override_settings(REQUIRE_HTTPS=True, SECURE_SSL_REDIRECT=True)
def test_plain_http_is_never_redirected_even_where_pages_are(api):
    status, _, response = api.post("reps", {"name": "A", "email": "a@a.example"})
    assert status == 403
    assert not response.has_header("Location")


@override_settings(REQUIRE_HTTPS=True)
def test_https_is_served(api):
    assert api.get("reps", secure=True)[0] == 200


@override_settings(REQUIRE_HTTPS=True, SECURE_PROXY_SSL_HEADER=None)
def test_forwarded_proto_is_ignored_without_a_trusted_proxy(api):
    assert_error(api.get("reps", headers={"X-Forwarded-Proto": "https"}), 403, "HTTPS_REQUIRED")


@override_settings(REQUIRE_HTTPS=True, SECURE_PROXY_SSL_HEADER=TRUSTED_PROXY)
def test_forwarded_proto_https_counts_behind_a_trusted_proxy(api):
    assert api.get("reps", headers={"X-Forwarded-Proto": "https"})[0] == 200


@override_settings(REQUIRE_HTTPS=True, SECURE_PROXY_SSL_HEADER=TRUSTED_PROXY)
def test_forwarded_proto_http_is_refused_behind_a_trusted_proxy(api):
    assert_error(api.get("reps", headers={"X-Forwarded-Proto": "http"}), 403, "HTTPS_REQUIRED")


@override_settings(REQUIRE_HTTPS=False)
def test_plain_http_is_served_when_not_required(api):
    assert api.get("reps")[0] == 200


def _settings_with(monkeypatch, **env) -> dict:
    """The base settings module evaluated under this environment (no .env file is read over it)."""
    for name in ("DEBUG", "REQUIRE_HTTPS", "TRUST_X_FORWARDED_PROTO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(settings.BASE_DIR / "routeswit" / "settings" / "base.py"))


def test_trust_x_forwarded_proto_sets_the_proxy_header(monkeypatch):
    trusted = _settings_with(monkeypatch, TRUST_X_FORWARDED_PROTO="true")
    assert trusted["SECURE_PROXY_SSL_HEADER"] == TRUSTED_PROXY


def test_proxy_header_is_untrusted_by_default(monkeypatch):
    assert "SECURE_PROXY_SSL_HEADER" not in _settings_with(monkeypatch)


@pytest.mark.parametrize(("env", "required"), [({}, True), ({"DEBUG": "true"}, False)])
def test_https_is_required_unless_debug(monkeypatch, env, required):
    assert _settings_with(monkeypatch, **env)["REQUIRE_HTTPS"] is required
