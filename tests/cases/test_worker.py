"""Case emails through a real Celery worker on Redis: sent, and never lost while it is down."""

import time

import pytest
from django.core import mail

from cases import services
from cases.models import Notification
from tests.workers import QUEUES, run_worker

pytestmark = pytest.mark.redis


def _purge(app) -> None:
    with app.connection_for_write() as conn:
        for queue in QUEUES:
            conn.default_channel.queue_purge(queue)


def _wait_until_sent(timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while Notification.objects.filter(sent_at__isnull=True).exists():
        if time.monotonic() > deadline:
            pytest.fail(f"unsent after {timeout}s: {list(Notification.objects.values())}")
        time.sleep(0.2)


def test_a_reply_is_emailed_by_the_worker(transactional_db, celery_app, bob, alice_asset,
                                          support):
    # given
    _purge(celery_app)
    mail.outbox.clear()
    with run_worker(celery_app):
        case = services.case_open(opener=bob, asset=alice_asset, category="playback",
                                  subject="Video will not play", body="Black screen.")
        # when
        services.case_reply(case=case, author=support, body="Which browser?")
        _wait_until_sent()
    # then
    assert sorted(m.to[0] for m in mail.outbox) == sorted(["support@brand.example", bob.email])
    assert any("Which browser?" in m.body for m in mail.outbox if m.to == [bob.email])


def test_replies_made_while_no_worker_runs_are_emailed_when_one_starts(
        transactional_db, celery_app, bob, alice_asset, support):
    # given: no worker is running
    _purge(celery_app)
    mail.outbox.clear()
    case = services.case_open(opener=bob, asset=alice_asset, category="playback",
                              subject="Video will not play", body="Black screen.")
    replies = [services.case_reply(case=case, author=support, body=f"Update {n}")
               for n in range(3)]
    time.sleep(0.5)
    assert mail.outbox == []
    assert case.messages.filter(pk__in=[r.pk for r in replies]).count() == 3
    assert Notification.objects.filter(sent_at__isnull=True).count() == 4
    # when: a worker starts
    with run_worker(celery_app):
        _wait_until_sent()
    # then: every email went out, once
    bodies = [m.body for m in mail.outbox if m.to == [bob.email]]
    assert len(mail.outbox) == 4
    assert all(any(f"Update {n}" in b for b in bodies) for n in range(3))
