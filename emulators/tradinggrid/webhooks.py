"""Signed, asynchronous, retried webhook delivery, the way Trading Grid sends events.

Each event is POSTed as JSON with `X-TG-Event-Id`, `X-TG-Timestamp` and
`X-TG-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`. A delivery that
fails (connection error or non-2xx) is retried with exponential backoff under the same event
id and a fresh timestamp and signature, so delivery is at least once.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-TG-Signature header value for a body sent at `timestamp` (unix seconds)."""
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def encode_event(event: dict) -> bytes:
    """The exact bytes sent for an event (compact JSON, UTF-8)."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class WebhookAttempt:
    """One HTTP POST of one event: what was sent and how the receiver answered."""

    event_id: str
    event_type: str
    attempt: int
    url: str
    headers: dict[str, str]
    body: bytes
    status: int | None
    error: str | None
    delivered: bool
    final: bool


@dataclass(order=True)
class _Pending:
    due: float
    seq: int
    event: dict = field(compare=False)
    attempt: int = field(compare=False, default=1)


class WebhookSender:
    """A background thread that delivers events to one URL, retrying with backoff."""

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        attempts: int = 5,
        backoff: float = 0.5,
        timeout: float = 5.0,
    ) -> None:
        """`attempts` counts the first try; retry n waits backoff * 2**(n-1) seconds."""
        self.url = url
        self.secret = secret
        self.attempts = attempts
        self.backoff = backoff
        self.timeout = timeout
        self.log: list[WebhookAttempt] = []
        self._heap: list[_Pending] = []
        self._seq = itertools.count()
        self._in_flight = 0
        self._running = False
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the delivery thread."""
        with self._cond:
            self._running = True
        self._thread = threading.Thread(target=self._run, name="tg-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the delivery thread; undelivered events are dropped."""
        with self._cond:
            self._running = False
            self._cond.notify_all()
        if self._thread:
            self._thread.join(timeout=self.timeout + 1)

    def send(self, event: dict) -> None:
        """Queue an event for delivery now."""
        self._schedule(_Pending(time.monotonic(), next(self._seq), event))

    def wait(self, timeout: float) -> None:
        """Block until every queued event is delivered or given up; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._heap or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(self._heap) + self._in_flight} webhooks pending")
                self._cond.wait(remaining)

    def _schedule(self, pending: _Pending) -> None:
        with self._cond:
            heapq.heappush(self._heap, pending)
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            pending = self._next_due()
            if pending is None:
                return
            try:
                self._deliver(pending)
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

    def _next_due(self) -> _Pending | None:
        """Wait for the earliest event whose time has come; None once stopped."""
        with self._cond:
            while self._running:
                if not self._heap:
                    self._cond.wait()
                    continue
                delay = self._heap[0].due - time.monotonic()
                if delay <= 0:
                    self._in_flight += 1
                    return heapq.heappop(self._heap)
                self._cond.wait(delay)
            return None

    def _deliver(self, pending: _Pending) -> None:
        body = encode_event(pending.event)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "TradingGrid-Webhooks/1.0 (emulator)",
            "X-TG-Event-Id": pending.event["id"],
            "X-TG-Timestamp": timestamp,
            "X-TG-Signature": sign(self.secret, timestamp, body),
        }
        status, error = self._post(body, headers)
        delivered = status is not None and 200 <= status < 300
        final = delivered or pending.attempt >= self.attempts
        self.log.append(WebhookAttempt(
            pending.event["id"], pending.event["type"], pending.attempt, self.url, headers,
            body, status, error, delivered, final,
        ))
        if not final:
            self._retry_later(pending)
        elif not delivered:
            logger.warning("gave up on webhook %s after %d attempts", pending.event["id"],
                           pending.attempt)

    def _retry_later(self, pending: _Pending) -> None:
        delay = self.backoff * 2 ** (pending.attempt - 1)
        self._schedule(_Pending(
            time.monotonic() + delay, next(self._seq), pending.event, pending.attempt + 1,
        ))

    def _post(self, body: bytes, headers: dict[str, str]) -> tuple[int | None, str | None]:
        """POST with http.client, which keeps the header names' case as documented."""
        url = urlsplit(self.url)
        connection_class = HTTPSConnection if url.scheme == "https" else HTTPConnection
        connection = connection_class(url.netloc, timeout=self.timeout)
        target = url.path or "/"
        try:
            connection.request("POST", f"{target}?{url.query}" if url.query else target,
                               body=body, headers=headers)
            status = connection.getresponse().status
        except (OSError, HTTPException) as exc:
            return None, str(exc) or type(exc).__name__
        finally:
            connection.close()
        return status, None if 200 <= status < 300 else f"HTTP {status}"
