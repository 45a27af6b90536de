"""Thread posts through a real Celery worker on Redis: posts written while no worker runs
wait in the outbox, and with Trading Grid failing half the writes and the worker restarted
mid-way, every post arrives once, in order."""

import time
from unittest import mock

import pytest

from cases import services, threads
from cases.models import Case
from cases.tasks import deliver_thread_posts
from cases.thread_models import ThreadOutbox
from communities import tradinggrid
from communities.sync import sync_directory
from tests import factories as f
from tests.cases.threads_fixtures import BOB, EU, published_asset, reference
from tests.workers import QUEUES, run_worker

pytestmark = pytest.mark.redis


@pytest.fixture
def tg(transactional_db, settings):
    from emulators.tradinggrid import TradingGridEmulator

    emu = TradingGridEmulator(seed="demo", random_seed=7).start()
    settings.TRADING_GRID_URL = emu.trading_grid_url
    # No client-side retries and no backoff: the task's own retry (via Redis) does the work.
    with mock.patch.object(threads, "client", lambda: tradinggrid.ThreadClient(
            max_retries=0, sleep=lambda s: None)), mock.patch.object(threads, "MAX_BACKOFF", 0):
        try:
            yield emu
        finally:
            emu.stop()


def _purge(app) -> None:
    with app.connection_for_write() as conn:
        for queue in QUEUES:
            conn.default_channel.queue_purge(queue)


def _portal_posts(tg, thread_id) -> list[str]:
    return [p["body"] for p in tg.threads.all_posts(thread_id)
            if p["author"]["type"] == "integration"]


def _wait(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out; outbox: {list(ThreadOutbox.objects.values())}")
        time.sleep(0.2)


def test_thread_posts_wait_for_a_worker_and_arrive_once_in_order_across_a_restart(
        tg, celery_app, support):
    # given: a case from bob's thread, and no worker running
    _purge(celery_app)
    sync_directory()
    asset = published_asset(f)
    thread_id = tg.create_thread(EU, BOB, title="Banner colours", body="The red is off.",
                                 attachments=[reference(asset)])["thread"]["id"]
    assert threads.thread_pull(EU, thread_id) == "case opened"
    case = Case.objects.get(asset=asset)
    texts = [f"Reply number {n}" for n in range(1, 7)]
    for text in texts:
        services.case_reply(case=case, author=support, body=text)
    time.sleep(0.5)
    assert _portal_posts(tg, thread_id) == []  # kept in the outbox, nothing sent
    assert ThreadOutbox.objects.filter(sent_at__isnull=True).count() == 7
    tg.write_faults.set(0.5)
    # when: a worker starts and is stopped once some posts are out...
    # (each worker also gets the periodic sweep's nudge, as beat sends it in production: a
    # task taken by a worker that died unacknowledged only comes back after Redis's
    # visibility timeout, and the sweep is what delivers in the meantime)
    thread_pk = ThreadOutbox.objects.values_list("thread_id", flat=True).first()
    with run_worker(celery_app):
        deliver_thread_posts.delay(thread_pk)
        _wait(lambda: ThreadOutbox.objects.filter(sent_at__isnull=False).count() >= 2)
    # ...and a new worker starts
    with run_worker(celery_app):
        deliver_thread_posts.delay(thread_pk)
        _wait(lambda: not ThreadOutbox.objects.filter(sent_at__isnull=True).exists())
    # then: each post in the thread once, in the order it was written, despite the faults
    assert tg.write_faults.injected >= 1
    posts = _portal_posts(tg, thread_id)
    assert len(posts) == 7
    assert [next(t for t in texts if t in body) for body in posts if "Reply number" in body] \
        == texts
