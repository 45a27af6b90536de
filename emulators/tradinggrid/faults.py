"""Fault injection for the emulator's /v1 API: random 5xx, queued 5xx and 429 answers."""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fault:
    """An error answer the API gives instead of the real one."""

    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)


class FaultInjector:
    """Decides, per API request, whether to answer with an injected error.

    Queued faults (`fail_next`, `rate_limit_next`) are served first, in order; otherwise a
    request fails with probability `fail_rate` (503), drawn from a seeded generator so a
    run is repeatable.
    """

    def __init__(self, fail_rate: float = 0.0, random_seed: int = 0) -> None:
        """Start with no queued faults and the given random failure rate (0.0 to 1.0)."""
        self.fail_rate = fail_rate
        self._queue: deque[Fault] = deque()
        self._random = random.Random(random_seed)
        self._lock = threading.Lock()

    def fail_next(self, count: int = 1, status: int = 503) -> None:
        """Answer the next `count` API requests with a server error."""
        fault = Fault(status, "unavailable", f"injected failure (HTTP {status})")
        with self._lock:
            self._queue.extend([fault] * count)

    def rate_limit_next(self, count: int = 1, retry_after: int = 1) -> None:
        """Answer the next `count` API requests with 429 and `Retry-After: retry_after`."""
        fault = Fault(429, "rate_limited", "too many requests; retry later",
                      {"Retry-After": str(retry_after)})
        with self._lock:
            self._queue.extend([fault] * count)

    def clear(self) -> None:
        """Drop queued faults and stop random failures."""
        with self._lock:
            self._queue.clear()
            self.fail_rate = 0.0

    def next_fault(self) -> Fault | None:
        """The fault for this request, or None to answer normally."""
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            if self.fail_rate and self._random.random() < self.fail_rate:
                return Fault(503, "unavailable", "injected random failure")
        return None
