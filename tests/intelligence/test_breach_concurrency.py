"""Two checkers at once, with real threads on the real database, record each breach (and its event) once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from intelligence import services
from intelligence.models import SlaBreach, WebhookEvent

LEADS = 20


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_checkers_record_each_breach_once(monkeypatch, make_policy, make_lead, rep):
    policy = make_policy(threshold_minutes=5)
    for _ in range(LEADS):
        make_lead(rep=rep, assigned_at=timezone.now() - timedelta(hours=1))
    # Both checkers must find every lead before either inserts, so they really collide on the constraint.
    found_by_both = threading.Barrier(2)
    find = services.sla_breaches_find

    def find_then_wait(**kwargs):
        overdue = find(**kwargs)
        found_by_both.wait(timeout=10)
        return overdue

    monkeypatch.setattr(services, "sla_breaches_find", find_then_wait)
    monkeypatch.setattr(services, "webhook_events_enqueue", lambda **kwargs: None)  # no broker in this test
    recorded = [0, 0]

    def checker(index: int) -> None:
        try:
            recorded[index] = len(services.sla_breaches_record(policy=policy))
        finally:
            connection.close()

    threads = [threading.Thread(target=checker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(recorded) == [0, LEADS]
    assert SlaBreach.objects.count() == WebhookEvent.objects.count() == LEADS
