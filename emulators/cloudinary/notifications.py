"""Webhook notifications: signed like Cloudinary's, sent from a background thread with retries.

Each POST carries ``X-Cld-Timestamp`` and ``X-Cld-Signature`` = hex SHA-1 (or the configured
algorithm) of ``body + timestamp + api_secret``, which
``cloudinary.utils.verify_notification_signature`` accepts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
import uuid

from .timefmt import iso

log = logging.getLogger(__name__)
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0)


class Notifier:
    """Queues notification payloads and delivers them to the notification URL."""

    def __init__(self, api_key: str, api_secret: str, url: str | None = None,
                 algorithm: str = "sha1"):
        self.api_key = api_key
        self.api_secret = api_secret
        self.url = url
        self.algorithm = algorithm
        self.sent: list[dict] = []
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="cld-notify", daemon=True)
        self._thread.start()

    def emit(self, notification_type: str, payload: dict, url: str | None = None,
             request_id: str | None = None, source: str = "api") -> dict | None:
        """Complete ``payload`` with the common fields and queue it (None if no URL)."""
        target = url or self.url
        now = time.time()
        body = {"notification_type": notification_type, **payload}
        body.setdefault("timestamp", iso(now))
        body.setdefault("request_id", request_id or uuid.uuid4().hex)
        body.setdefault("notification_context", {
            "triggered_at": iso(now),
            "triggered_by": {"source": source, "id": self.api_key},
        })
        if notification_type in ("upload", "delete", "rename", "moderation"):
            body.setdefault("signature_key", self.api_key)
        if not target:
            return None
        self._queue.put((target, body))
        return body

    def sign(self, raw_body: str, timestamp: str) -> str:
        """The ``X-Cld-Signature`` value for a body and timestamp."""
        digest = hashlib.new(self.algorithm)
        digest.update((raw_body + timestamp + self.api_secret).encode("utf-8"))
        return digest.hexdigest()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every queued notification was attempted (for tests)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self._queue.unfinished_tasks == 0:
                return True
            time.sleep(0.02)
        return False

    def stop(self) -> None:
        """Stop the worker after the queue drains."""
        self._queue.put(None)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                self._deliver(*item)
            except Exception:  # a bad receiver must never kill the worker
                log.exception("notification delivery crashed")
            finally:
                self._queue.task_done()

    def _deliver(self, url: str, payload: dict) -> None:
        raw = json.dumps(payload, separators=(",", ":"))
        record = {"url": url, "payload": payload, "body": raw, "attempts": 0, "status": None}
        self.sent.append(record)
        for delay in (0.0, *RETRY_DELAYS):
            time.sleep(delay)
            record["attempts"] += 1
            timestamp = str(int(time.time()))
            request = urllib.request.Request(url, data=raw.encode("utf-8"), method="POST", headers={
                "Content-Type": "application/json",
                "X-Cld-Timestamp": timestamp,
                "X-Cld-Signature": self.sign(raw, timestamp),
                "User-Agent": "Cloudinary Emulator",
            })
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:
                    record["status"] = answer.status
                    if 200 <= answer.status < 300:
                        return
            except urllib.error.HTTPError as exc:
                record["status"] = exc.code
            except (urllib.error.URLError, OSError) as exc:
                record["status"] = f"error: {exc}"
        log.warning("notification to %s failed after %s attempts", url, record["attempts"])
