"""A real Celery worker, consuming from Redis, for the tests that need one.

The worker runs in threads of the test process (celery.contrib.testing), so it
reaches the same test database; data must be committed first, hence
transactional_db. Each xdist process has its own Redis database (tests/settings.py).
"""

import threading
from contextlib import contextmanager

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from tests.services import need_redis

QUEUES = ["sync", "notifications", "default"]


def _close_thread_connections(**kwargs):
    # Worker threads open their own database connections; close them after each
    # task so the test database can be flushed and dropped. Never the main
    # thread's: eager tasks run there, inside the test's own transaction.
    if threading.current_thread() is not threading.main_thread():
        connections.close_all()


@pytest.fixture
def celery_app():
    """The portal's Celery app sending to Redis (not eager) for this test."""
    need_redis()
    from portal.celery import app

    app.conf.task_always_eager = False
    try:
        yield app
    finally:
        app.conf.task_always_eager = True


@contextmanager
def run_worker(app, **kwargs):
    """Context manager: a worker consuming every queue (usable twice in one test)."""
    task_postrun.connect(_close_thread_connections, weak=False,
                         dispatch_uid="tests.close_thread_connections")
    try:
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False,
                          queues=QUEUES, shutdown_timeout=30, **kwargs) as worker:
            yield worker
    finally:
        task_postrun.disconnect(dispatch_uid="tests.close_thread_connections")


@pytest.fixture
def celery_worker(transactional_db, celery_app):
    """A running worker for the duration of the test."""
    celery_app.control.purge()
    with run_worker(celery_app) as worker:
        yield worker
