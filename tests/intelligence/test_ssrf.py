"""The SSRF guard: internal addresses in every spelling are refused when saved and again when sent."""

import socket
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from intelligence import services, ssrf
from intelligence.models import EventStatus, WebhookEvent
from tests.conftest import assert_error

INTERNAL_URLS = [
    "https://127.0.0.1/hook",
    "https://2130706433/hook",  # 127.0.0.1 as one decimal number
    "https://0x7f.1/hook",  # hex and short form
    "https://0177.0.0.1/hook",  # octal
    "https://127.1/hook",
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",  # IPv4-mapped IPv6
    "https://[::ffff:7f00:1]/hook",
    "https://[2002:7f00:1::]/hook",  # 6to4 around 127.0.0.1
    "https://[64:ff9b::a00:1]/hook",  # NAT64 around 10.0.0.1
    "https://10.0.0.5/hook",
    "https://172.16.3.4/hook",
    "https://192.168.1.1/hook",
    "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
    "https://[fe80::1]/hook",
    "https://[fc00::1]/hook",
    "https://224.0.0.1/hook",  # multicast
    "https://[ff02::1]/hook",
    "https://240.0.0.1/hook",  # reserved
    "https://0.0.0.0/hook",  # unspecified
    "https://[::]/hook",
    "https://100.64.0.1/hook",  # carrier-grade NAT
    "https://localhost/hook",  # a name resolving to loopback (/etc/hosts, no DNS traffic)
]


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_internal_address_is_refused_at_save(api, url):
    body = {"name": "x", "threshold_minutes": 1, "webhook_url": url}
    error = assert_error(api.post("slas", body), 422, "VALIDATION_ERROR")
    assert list(error["details"]) == ["webhook_url"]


def test_internal_address_is_refused_on_patch(api, sla):
    result = api.patch(f"slas/{sla['id']}", {"webhook_url": "https://[::ffff:127.0.0.1]/x"})
    assert list(assert_error(result, 422, "VALIDATION_ERROR")["details"]) == ["webhook_url"]


def test_public_literal_address_is_accepted():
    assert ssrf.url_check("https://93.184.215.14/x").address == "93.184.215.14"


def test_name_resolving_to_any_internal_address_is_refused(monkeypatch):
    answers = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, 443)) for ip in ("93.184.215.14", "10.1.2.3")]
    monkeypatch.setattr(ssrf.socket, "getaddrinfo", lambda *a, **k: answers)
    with pytest.raises(ssrf.UnsafeUrl):
        ssrf.url_check("https://hooks.example.com/x")


def test_checked_address_is_the_one_connected_to(monkeypatch):
    answers = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))]
    monkeypatch.setattr(ssrf.socket, "getaddrinfo", lambda *a, **k: answers)
    target = ssrf.url_check("https://hooks.example.com/x?y=1")
    assert (target.host, target.address, target.port, target.path) == (
        "hooks.example.com",
        "93.184.215.14",
        443,
        "/x?y=1",
    )


def test_http_is_refused_without_private_networks():
    with pytest.raises(ssrf.UnsafeUrl, match="https"):
        ssrf.url_check("http://93.184.215.14/x")


@override_settings(WEBHOOK_ALLOW_PRIVATE_NETWORKS=True)
def test_private_networks_setting_allows_loopback_and_http():
    assert ssrf.url_check("http://127.0.0.1:8080/x").address == "127.0.0.1"


def test_credentials_in_url_are_refused():
    with pytest.raises(ssrf.UnsafeUrl):
        ssrf.url_check("https://user:pw@93.184.215.14/x")


def test_internal_address_is_refused_at_send_without_a_request(make_policy, make_lead, rep, receiver):
    """A URL saved while private networks were allowed is refused at send time once they are not."""
    listener = receiver()
    with override_settings(WEBHOOK_ALLOW_PRIVATE_NETWORKS=True):
        policy = make_policy(webhook_url=listener.url)
    make_lead(rep=rep, assigned_at=timezone.now() - timedelta(hours=1))
    services.sla_breaches_record(policy=policy)
    delivery = services.webhook_event_deliver(event_pk=WebhookEvent.objects.get().pk)
    assert delivery.status_code is None and delivery.error.startswith("Refused:")
    assert listener.requests == []


def test_refused_send_is_retried_later(make_policy, make_lead, rep):
    with override_settings(WEBHOOK_ALLOW_PRIVATE_NETWORKS=True):
        policy = make_policy(webhook_url="https://[::ffff:127.0.0.1]:1/hook")
    make_lead(rep=rep, assigned_at=timezone.now() - timedelta(hours=1))
    services.sla_breaches_record(policy=policy)
    services.webhook_event_deliver(event_pk=WebhookEvent.objects.get().pk)
    event = WebhookEvent.objects.get()
    assert (event.status, event.attempts) == (EventStatus.PENDING, 1)
