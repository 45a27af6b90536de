"""Test helpers: query counting (an N+1 is a failing test)."""

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
