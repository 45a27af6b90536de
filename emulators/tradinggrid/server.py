"""HTTP front of the emulator: the /v1 read API and the /_admin hooks (stdlib only).

The handler is deliberately dumb: it authenticates, maybe injects a fault, routes, and turns
`DirectoryError` into the contract's `{"error": {"code", "message"}}` answers. All state and
behaviour live on the `TradingGridEmulator` it is given.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import re
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import oidc_http, threads
from .directory import DirectoryError
from .webhooks import WebhookAttempt

if TYPE_CHECKING:
    from .emulator import TradingGridEmulator

logger = logging.getLogger(__name__)

COMMUNITY = r"(?P<community_id>[^/]+)"
API_ROUTES = [
    (re.compile(r"^/v1/ping/?$"), "ping"),
    (re.compile(r"^/v1/communities/?$"), "communities"),
    (re.compile(rf"^/v1/communities/{COMMUNITY}/?$"), "community"),
    (re.compile(rf"^/v1/communities/{COMMUNITY}/members/?$"), "members"),
]
ADMIN_POST = {
    "/_admin/members/add": "admin_add_member",
    "/_admin/members/remove": "admin_remove_member",
    "/_admin/members/update": "admin_update_member",
    "/_admin/communities/add": "admin_add_community",
    "/_admin/communities/update": "admin_update_community",
    "/_admin/faults": "admin_faults",
    "/_admin/threads/create": "admin_create_thread",
    "/_admin/threads/post": "admin_add_post",
    "/_admin/reset": "admin_reset",
}
ADMIN_GET = {"/_admin/events": "admin_events", "/_admin/webhooks": "admin_webhooks"}


def _int_param(query: dict[str, list[str]], name: str, default: int) -> int:
    raw = query.get(name, [str(default)])[0]
    try:
        return int(raw)
    except ValueError:
        raise DirectoryError(400, "invalid_request", f"{name} must be an integer, got {raw!r}")


def _attempt_json(attempt: WebhookAttempt) -> dict:
    return {
        "event_id": attempt.event_id, "type": attempt.event_type, "attempt": attempt.attempt,
        "status": attempt.status, "error": attempt.error, "delivered": attempt.delivered,
        "final": attempt.final,
    }


class TradingGridServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its emulator."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], emulator: TradingGridEmulator) -> None:
        """Bind to `address` (port 0 picks a free port) and serve `emulator`."""
        super().__init__(address, TradingGridHandler)
        self.emulator = emulator


class TradingGridHandler(BaseHTTPRequestHandler):
    """Routes one request to the emulator and writes the JSON answer."""

    server: TradingGridServer
    server_version = "TradingGridEmulator/1.0"

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's naming
        """Serve a GET."""
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        """Serve a POST."""
        self._dispatch("POST")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Log through `logging` instead of writing to stderr."""
        logger.debug("%s %s", self.address_string(), format % args)

    # -- dispatch ------------------------------------------------------------------------

    @property
    def emulator(self) -> TradingGridEmulator:
        """The emulator this server fronts."""
        return self.server.emulator

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        path, query = unquote(url.path), parse_qs(url.query)
        self.emulator.requests_log.append((method, path, url.query))
        if oidc_http.serves(path):  # OpenID Connect: its own client auth, pages, redirects
            oidc_http.serve(self, method, path, url.query)
            return
        if method == "GET" and threads.serves_page(path):  # a thread's web page
            status, html = threads.page(self.emulator, path)
            self._send_html(status, html)
            return
        if not self._authorised():
            self._error(401, "unauthorized", "missing or invalid client credentials",
                        {"WWW-Authenticate": 'Basic realm="Trading Grid"'})
            return
        try:
            status, payload, headers = self._route(method, path, query)
        except DirectoryError as exc:
            self._error(exc.status, exc.code, exc.message)
            return
        self._send_json(status, payload, headers)

    def _route(self, method: str, path: str, query: dict) -> tuple[int, Any, dict]:
        if path.startswith("/v1/"):
            fault = self.emulator.faults.next_fault()
            if fault:
                return fault.status, {"error": {"code": fault.code, "message": fault.message}}, \
                    fault.headers
            if threads.serves(path):  # community discussion threads (threads.py)
                return threads.route(self.emulator, method, path, query, self._body,
                                     self.headers)
            if method == "GET":
                for pattern, name in API_ROUTES:
                    match = pattern.match(path)
                    if match:
                        return 200, getattr(self, name)(query, **match.groupdict()), {}
        admin = (ADMIN_POST if method == "POST" else ADMIN_GET).get(path.rstrip("/"))
        if admin:
            return 200, getattr(self, admin)(self._body()), {}
        raise DirectoryError(404, "not_found", f"no route for {method} {path}")

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        expected_id, expected_secret = self.emulator.client_id, self.emulator.client_secret
        return hmac.compare_digest(client_id.encode(), expected_id.encode()) & \
            hmac.compare_digest(secret.encode(), expected_secret.encode())

    # -- /v1 -----------------------------------------------------------------------------

    def ping(self, query: dict) -> dict:
        """GET /v1/ping."""
        return {"status": "ok", "service": "trading-grid-emulator", "time": int(time.time())}

    def communities(self, query: dict) -> dict:
        """GET /v1/communities?startIndex=&count=."""
        return self.emulator.directory.list_communities(
            _int_param(query, "startIndex", 1), _int_param(query, "count", 100))

    def community(self, query: dict, community_id: str) -> dict:
        """GET /v1/communities/{id}."""
        return self.emulator.directory.get_community(community_id)

    def members(self, query: dict, community_id: str) -> dict:
        """GET /v1/communities/{id}/members?startIndex=&count=."""
        return self.emulator.directory.list_members(
            community_id, _int_param(query, "startIndex", 1), _int_param(query, "count", 100))

    # -- /_admin -------------------------------------------------------------------------

    def admin_add_member(self, body: dict) -> dict:
        """POST /_admin/members/add {community_id, email, company_id, company_name, ...}."""
        community_id = self._required(body, "community_id")
        return self._call(self.emulator.add_member, community_id, **body)

    def admin_remove_member(self, body: dict) -> dict:
        """POST /_admin/members/remove {community_id, email}."""
        return self._call(self.emulator.remove_member, self._required(body, "community_id"),
                          self._required(body, "email"))

    def admin_update_member(self, body: dict) -> dict:
        """POST /_admin/members/update {community_id, email, changes: {...}} (or flat)."""
        community_id = self._required(body, "community_id")
        email = self._required(body, "email")
        changes = body.pop("changes", None) or body
        return self._call(self.emulator.update_member, community_id, email, **changes)

    def admin_add_community(self, body: dict) -> dict:
        """POST /_admin/communities/add {id, name, kind, markets, languages, description}."""
        return self._call(self.emulator.add_community, self._required(body, "id"), **body)

    def admin_update_community(self, body: dict) -> dict:
        """POST /_admin/communities/update {id, changes: {...}} (or flat fields)."""
        community_id = self._required(body, "id")
        changes = body.pop("changes", None) or body
        return self._call(self.emulator.update_community, community_id, **changes)

    def admin_faults(self, body: dict) -> dict:
        """POST /_admin/faults {fail_rate?, fail_next?, rate_limit_next?, retry_after?}."""
        faults = self.emulator.faults
        if body.get("clear"):
            faults.clear()
        if "fail_rate" in body:
            faults.fail_rate = float(body["fail_rate"])
        faults.fail_next(int(body.get("fail_next", 0)))
        faults.rate_limit_next(int(body.get("rate_limit_next", 0)),
                               int(body.get("retry_after", 1)))
        return {"fail_rate": faults.fail_rate}

    def admin_create_thread(self, body: dict) -> dict:
        """POST /_admin/threads/create {community_id, email, title, body, tags?, attachments?}."""
        community_id, email = self._required(body, "community_id"), self._required(body, "email")
        return self._call(self.emulator.create_thread, community_id, email, **body)

    def admin_add_post(self, body: dict) -> dict:
        """POST /_admin/threads/post {thread_id, email, body, attachments?}."""
        thread_id, email = self._required(body, "thread_id"), self._required(body, "email")
        return self._call(self.emulator.add_post, thread_id, email, **body)

    def admin_reset(self, body: dict) -> dict:
        """POST /_admin/reset {seed: demo|empty}: replace the directory, send no webhooks."""
        self._call(self.emulator.reset, body.get("seed", "demo"))
        return {"communities": self.emulator.directory.community_ids()}

    def admin_events(self, body: dict) -> dict:
        """GET /_admin/events: every event generated so far."""
        return {"events": list(self.emulator.events)}

    def admin_webhooks(self, body: dict) -> dict:
        """GET /_admin/webhooks: every delivery attempt so far."""
        return {"attempts": [_attempt_json(a) for a in self.emulator.webhooks_sent]}

    # -- plumbing ------------------------------------------------------------------------

    @staticmethod
    def _required(body: dict, name: str) -> str:
        try:
            return body.pop(name)
        except KeyError:
            raise DirectoryError(400, "invalid_request", f"{name} is required")

    @staticmethod
    def _call(function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (TypeError, ValueError) as exc:
            raise DirectoryError(400, "invalid_request", str(exc))

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        if self.headers.get_content_type() == "application/x-www-form-urlencoded":
            return {key: values[-1] for key, values in parse_qs(raw.decode()).items()}
        try:
            body = json.loads(raw)
        except ValueError:
            raise DirectoryError(400, "invalid_request", "body must be JSON or a form")
        if not isinstance(body, dict):
            raise DirectoryError(400, "invalid_request", "body must be a JSON object")
        return body

    def _error(self, status: int, code: str, message: str, headers: dict | None = None) -> None:
        self._send_json(status, {"error": {"code": code, "message": message}}, headers or {})

    def _send_html(self, status: int, html: str) -> None:
        body = html.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status: int, payload: Any, headers: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
