"""Test helpers: query counting (an N+1 is a failing test)."""

import time
from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext


@contextmanager
def count_queries():
    """`with count_queries() as q: ...` then `len(q)` / `q.captured_queries`."""
    with CaptureQueriesContext(connection) as ctx:
        yield ctx


def queries_for(fn) -> int:
    """How many queries one call of `fn` runs."""
    with count_queries() as ctx:
        fn()
    return len(ctx.captured_queries)


def wait_for(condition, timeout: float = 20.0) -> bool:
    """Poll `condition` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False
