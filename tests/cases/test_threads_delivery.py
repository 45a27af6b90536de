"""Delivery guarantees: Trading Grid failing half the writes and a worker dying mid-post
still leave every outbound post in the thread exactly once, in order."""

from unittest import mock

import pytest
from django.utils import timezone

from cases import services, threads
from cases.models import Case
from cases.thread_models import ThreadOutbox
from communities import tradinggrid
from communities.sync import sync_directory
from tests import factories as f
from tests.cases.threads_fixtures import BOB, EU, published_asset, reference


class WorkerKilled(BaseException):
    """The worker process dies (not an Exception: nothing in the portal may catch it)."""


@pytest.fixture
def tg(db, settings):
    from emulators.tradinggrid import TradingGridEmulator

    emu = TradingGridEmulator(seed="demo", random_seed=16).start()
    settings.TRADING_GRID_URL = emu.trading_grid_url
    try:
        yield emu
    finally:
        emu.stop()


def _no_wait_client():
    return tradinggrid.ThreadClient(max_retries=1, sleep=lambda seconds: None)


def _case_from_thread(tg):
    sync_directory()
    asset = published_asset(f)
    opened = tg.create_thread(EU, BOB, title="Banner colours", body="The red is off.",
                              attachments=[reference(asset)])
    thread_id = opened["thread"]["id"]
    with mock.patch.object(threads, "client", _no_wait_client):
        assert threads.thread_pull(EU, thread_id) == "case opened"
    return Case.objects.get(asset=asset), thread_id


def _worker_runs_until_done(thread_pk, limit=200):
    """A worker (after a restart) draining the outbox; time passes between attempts."""
    for _ in range(limit):
        try:
            threads.deliver_pending(thread_pk)
        except tradinggrid.TradingGridError as exc:
            threads.record_failure(thread_pk, exc)
            ThreadOutbox.objects.update(next_attempt_at=timezone.now())  # the backoff passed
        if not ThreadOutbox.objects.filter(sent_at__isnull=True).exists():
            return
    raise AssertionError("the outbox never drained")


def test_every_post_arrives_exactly_once_in_order_despite_failures_and_a_restart(
        tg, support):
    # given: a case from a thread, six support replies in the outbox
    case, thread_id = _case_from_thread(tg)
    texts = [f"Reply number {n}" for n in range(1, 7)]
    for text in texts:
        services.case_reply(case=case, author=support, body=text)
    outbox = ThreadOutbox.objects.filter(thread__case=case)
    assert outbox.count() == 7  # six replies and "status changed to in progress"
    tg.write_faults.set(0.5)
    real_add_post = tradinggrid.ThreadClient.add_post
    calls = {"n": 0}

    def add_post_then_die_once(self, *args, **kwargs):
        post = real_add_post(self, *args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 3:
            raise WorkerKilled  # Trading Grid has the post; the portal never records it
        return post

    # when: the first worker dies after its third successful post...
    with mock.patch.object(threads, "client", _no_wait_client), \
            mock.patch.object(tradinggrid.ThreadClient, "add_post", add_post_then_die_once), \
            pytest.raises(WorkerKilled):
        _worker_runs_until_done(case.tg_thread.pk)
    # ...and a restarted worker finishes the job
    with mock.patch.object(threads, "client", _no_wait_client):
        _worker_runs_until_done(case.tg_thread.pk)

    # then: each reply is in the thread once, in the order it was written
    assert tg.write_faults.injected >= 3
    portal_posts = [p["body"] for p in tg.threads.all_posts(thread_id)
                    if p["author"]["type"] == "integration"]
    replies = [next(t for t in texts if t in body) for body in portal_posts
               if "Reply number" in body]
    assert replies == texts
    assert len(portal_posts) == 7
    assert len({p["idempotency_key"] for p in tg.threads.all_posts(thread_id)[1:]}) == 7


def test_a_post_waits_while_trading_grid_is_down_and_is_sent_by_the_sweep(tg, support):
    # given
    case, thread_id = _case_from_thread(tg)
    tg.faults.fail_rate = 1.0
    # when: support replies while Trading Grid answers 503 to everything
    with mock.patch.object(threads, "client", _no_wait_client):
        services.case_reply(case=case, author=support, body="We are on it.")
        for pk in threads.pending_threads():
            with pytest.raises(tradinggrid.TradingGridUnavailable):
                threads.deliver_pending(pk)
            threads.record_failure(pk, RuntimeError("down"))
        row = ThreadOutbox.objects.get(message__body="We are on it.")
        assert row.sent_at is None and row.attempts == 1 and row.next_attempt_at > timezone.now()
        # then: once it is back and the backoff passed, the sweep sends it
        tg.faults.clear()
        ThreadOutbox.objects.update(next_attempt_at=timezone.now())
        counts = threads.sync_threads()
    assert counts["delivered"] == 2
    assert sum("We are on it." in p["body"] for p in tg.threads.all_posts(thread_id)) == 1
