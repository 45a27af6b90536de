"""`WebhookRecorder`: a tiny HTTP endpoint that records webhook POSTs, for tests and demos.

    with WebhookRecorder() as hooks:
        emu = TradingGridEmulator(webhook_url=hooks.url).start()
        hooks.fail_next(2)           # answer 500 twice, then 204
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class RecordedRequest:
    """One POST as the receiver saw it: the raw body bytes and the headers."""

    path: str
    headers: Message  # case-insensitive: headers["x-tg-event-id"] works
    body: bytes
    answered: int


class _RecorderHandler(BaseHTTPRequestHandler):
    server: _RecorderServer

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status = self.server.recorder.record(self.path, self.headers, body)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Stay quiet."""


class _RecorderServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], recorder: WebhookRecorder) -> None:
        super().__init__(address, _RecorderHandler)
        self.recorder = recorder


class WebhookRecorder:
    """Records every POST it receives and answers 204, or a queued failure status."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, path: str = "/hooks/tradinggrid/"):
        """Configure; start() binds (port 0 picks a free port)."""
        self.host, self._port, self.path = host, port, path
        self.requests: list[RecordedRequest] = []
        self._failures: deque[int] = deque()
        self._cond = threading.Condition()
        self._server: _RecorderServer | None = None

    def start(self) -> WebhookRecorder:
        """Bind and serve in a background thread."""
        self._server = _RecorderServer((self.host, self._port), self)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> WebhookRecorder:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The URL to give the emulator as its webhook URL."""
        assert self._server, "start() the recorder first"
        return f"http://{self.host}:{self._server.server_address[1]}{self.path}"

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        """Answer the next `count` POSTs with `status` instead of 204."""
        with self._cond:
            self._failures.extend([status] * count)

    def record(self, path: str, headers: Message, body: bytes) -> int:
        """Store one request and return the status to answer with."""
        with self._cond:
            status = self._failures.popleft() if self._failures else 204
            self.requests.append(RecordedRequest(path, headers, body, status))
            self._cond.notify_all()
            return status

    def wait_for(self, count: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """Wait until at least `count` requests arrived; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.requests) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(self.requests)} of {count} webhooks arrived")
                self._cond.wait(remaining)
            return list(self.requests)
