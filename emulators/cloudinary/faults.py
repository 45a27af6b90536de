"""Fault injection and the hourly Admin/Search API rate limit."""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass, field

from .timefmt import rfc1123


@dataclass
class Faults:
    """Knobs for Admin/Search calls; change them at any time (``emu.faults.fail_rate = .5``).

    ``fail_rate``: fraction answered with one of ``fail_codes``; ``latency_ms``: delay added
    before answering; ``drop_rate``: fraction whose connection is closed without an answer.
    """

    fail_rate: float = 0.0
    fail_codes: tuple[int, ...] = (500, 502, 503)
    latency_ms: int = 0
    drop_rate: float = 0.0
    seed: int | None = None
    _rng: random.Random = field(default_factory=random.Random, repr=False)
    _scripted: list = field(default_factory=list, repr=False)

    def __post_init__(self):
        if self.seed is not None:
            self._rng.seed(self.seed)

    def reset(self) -> None:
        """Turn every fault off."""
        self.fail_rate = self.drop_rate = 0.0
        self.latency_ms = 0
        self._scripted.clear()

    def fail_next(self, count: int = 1, status: int = 503) -> None:
        """Answer the next ``count`` Admin/Search calls with ``status``."""
        self._scripted.extend([status] * count)

    def drop_next(self, count: int = 1) -> None:
        """Close the connection of the next ``count`` Admin/Search calls without answering."""
        self._scripted.extend(["drop"] * count)

    def pick(self) -> str | int | None:
        """Decide this call's fate: ``"drop"``, an HTTP status to fail with, or None."""
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        if self._scripted:
            try:
                return self._scripted.pop(0)
            except IndexError:
                pass
        if self.drop_rate and self._rng.random() < self.drop_rate:
            return "drop"
        if self.fail_rate and self._rng.random() < self.fail_rate:
            return self._rng.choice(self.fail_codes)
        return None


class RateLimiter:
    """``limit`` Admin+Search calls per window (an hour, aligned to the top of the hour).

    ``limit`` 0/None disables counting but headers still report a budget like a paid plan.
    """

    def __init__(self, limit: int | None = None, window_seconds: int = 3600):
        self.limit = limit or 0
        self.window_seconds = window_seconds
        self._lock = threading.Lock()
        self._window_start = self._current_window_start()
        self.used = 0

    def _current_window_start(self) -> float:
        now = time.time()
        return math.floor(now / self.window_seconds) * self.window_seconds

    def _roll(self) -> None:
        start = self._current_window_start()
        if start != self._window_start:
            self._window_start = start
            self.used = 0

    @property
    def reset_at(self) -> float:
        """Epoch seconds when the budget refills."""
        return self._window_start + self.window_seconds

    def exhaust(self) -> None:
        """Spend the rest of this window's budget (test hook)."""
        with self._lock:
            self._roll()
            if not self.limit:
                self.limit = 500
            self.used = self.limit

    def consume(self) -> tuple[bool, dict[str, str]]:
        """Count one call; returns ``(allowed, headers)``."""
        with self._lock:
            self._roll()
            limit = self.limit or 5000
            allowed = not self.limit or self.used < self.limit
            if allowed:
                self.used += 1
            remaining = max(limit - self.used, 0)
        headers = {
            "X-FeatureRateLimit-Limit": str(limit),
            "X-FeatureRateLimit-Remaining": str(remaining),
            "X-FeatureRateLimit-Reset": rfc1123(self.reset_at),
        }
        return allowed, headers

    def exceeded_message(self) -> str:
        """The 420 error message, worded like the real API."""
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.reset_at))
        return (f"Rate Limit Exceeded. Limit of {self.limit} api operations reached. "
                f"Try again on {when} UTC")
