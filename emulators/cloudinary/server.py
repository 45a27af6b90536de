"""HTTP front door: one port for the Admin, Search and Upload APIs and for delivery.

``/v1_1/<cloud>/...`` is the API host; every other GET is a delivery URL, handed to the
delivery module (``emulators/cloudinary/delivery.py``, imported lazily; 501 while absent).
Admin and Search calls pass through authentication, fault injection, the rate limit and the
call counters; every answer carries ``X-Request-Id``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib
import json
import logging
import socket
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from . import admin_api, search_api, upload_api, upload_auth
from .access import DeliveryRequest
from .errors import ApiError

log = logging.getLogger(__name__)
UPLOAD_ACTIONS = set(upload_api.ACTIONS)
DOWNLOAD_ACTIONS = {"download", "download_backup"}
ARCHIVE_ACTIONS = {"generate_archive", "download_tag.zip", "download_archive"}


class Handler(BaseHTTPRequestHandler):
    """Routes one request; ``self.server.emu`` is the CloudinaryEmulator."""

    protocol_version = "HTTP/1.1"
    server_version = "CloudinaryEmulator/1.0"

    def log_message(self, fmt, *args):  # keep test output quiet
        log.debug("%s - %s", self.address_string(), fmt % args)

    def do_GET(self):  # noqa: N802 - http.server naming
        self._dispatch("GET")

    def do_HEAD(self):  # noqa: N802
        self._dispatch("HEAD")

    def do_POST(self):  # noqa: N802
        self._dispatch("POST")

    def do_PUT(self):  # noqa: N802
        self._dispatch("PUT")

    def do_DELETE(self):  # noqa: N802
        self._dispatch("DELETE")

    # -- plumbing ----------------------------------------------------------------------
    @property
    def emu(self):
        return self.server.emu

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, headers: dict, body: bytes) -> None:
        self.send_response(status)
        headers = {"X-Request-Id": self.request_id, **headers}
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
        for name, value in headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: dict, headers: dict | None = None) -> None:
        self._send(status, dict(headers or {}), json.dumps(payload).encode("utf-8"))

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _dispatch(self, method: str) -> None:
        self.request_id = uuid.uuid4().hex
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        body = self._body()
        self.cdn_request = DeliveryRequest.from_http(
            split.path, split.query, self.headers.get("Cookie"), self.client_address[0],
            self.headers.get("Accept"))
        try:
            if split.path.startswith("/_emulator/"):
                self._inspect_cdn(method, split.path, query)
            elif split.path.startswith("/v1_1/"):
                self._api(method, split.path[len("/v1_1/"):], query, body)
            elif "/search/" in split.path and method == "GET":
                self._search_url(split.path, query)
            else:
                self._delivery_call("serve", split.path, query, self.cdn_request)
        except ApiError as exc:
            self._json(exc.status, exc.body(), exc.headers)
        except Exception as exc:  # never let a bug kill the connection silently
            log.exception("emulator error on %s %s", method, self.path)
            self._json(500, {"error": {"message": f"Internal emulator error: {exc}"}})

    def _inspect_cdn(self, method: str, path: str, query: dict) -> None:
        """Emulator-only inspection endpoints (FIDELITY.md, "Inspection")."""
        from . import rendering

        if path.rstrip("/") == "/_emulator/invalidations" and method == "GET":
            return self._json(200, rendering.invalidations_answer(self.emu.store, query))
        raise ApiError(404, f"Unsupported emulator endpoint {method} {path}")

    # -- API host ---------------------------------------------------------------------
    def _api(self, method: str, path: str, query: dict, body: bytes) -> None:
        parts = [unquote(p) for p in path.split("/")]
        if parts and parts[-1] == "":
            parts.pop()
        if not parts or parts[0] != self.emu.cloud:
            raise ApiError(401, f"Invalid cloud_name {parts[0] if parts else ''}")
        rest = parts[1:]
        if rest and rest[0] == "_emulator":
            return self._inspect_api(method, rest[1:])
        if len(rest) == 2 and rest[1] in DOWNLOAD_ACTIONS | ARCHIVE_ACTIONS:
            return self._api_delivery(method, rest[0], rest[1], query, body)
        if len(rest) == 2 and rest[1] in UPLOAD_ACTIONS and method == "POST":
            return self._upload(rest[0], rest[1], body)
        self._admin(method, rest, query, body)

    def _inspect_api(self, method: str, rest: list[str]) -> None:
        """Emulator-only: ``GET /v1_1/<cloud>/_emulator/eager_requests`` (Basic auth), the
        recorded eager requests (FIDELITY.md). Not a Cloudinary endpoint."""
        self._check_basic_auth()
        if method != "GET" or rest != ["eager_requests"]:
            raise ApiError(404, f"Unsupported API endpoint {method} /_emulator/{'/'.join(rest)}")
        with self.emu.store.lock:
            requests = [dict(r) for r in self.emu.store.eager_requests]
        self._json(200, {"eager_requests": requests})

    def _upload(self, rt: str, action: str, body: bytes) -> None:
        params, upload = upload_auth.parse_form(self.headers.get("Content-Type", ""), body)
        upload_auth.check(params, action, self.emu.api_key, self.emu.api_secret,
                          allow_unsigned=action == "upload")
        answer = upload_api.handle(self.emu, rt, action, params, upload)
        self._json(200, answer)

    def _api_delivery(self, method, rt, action, query, body) -> None:
        params = query
        if method == "POST":
            form, _ = upload_auth.parse_form(self.headers.get("Content-Type", ""), body)
            upload_auth.check(form, "generate_archive", self.emu.api_key, self.emu.api_secret)
            params = {k: v if isinstance(v, list) else [v] for k, v in form.items()}
        name = "download" if action in DOWNLOAD_ACTIONS else "archive"
        if action == "download_tag.zip":
            params = {**params, "target_format": ["zip"]}
        self._delivery_call(name, rt, params)

    def _admin(self, method: str, rest: list[str], query: dict, body: bytes) -> None:
        found = admin_api.route(method, rest)
        if found is None:
            raise ApiError(404, f"Unsupported API endpoint {method} /{'/'.join(rest)}")
        name, handler, args = found
        self._check_basic_auth()
        self.emu.count_call(name)
        allowed, headers = self.emu.rate_limiter.consume()
        fate = self.emu.faults.pick()
        if fate == "drop":
            return self._drop()
        if fate is not None:
            raise ApiError(fate, "General Error", headers)
        if not allowed:
            raise ApiError(420, self.emu.rate_limiter.exceeded_message(), headers)
        params = self._admin_params(method, query, body)
        try:
            answer = handler(self.emu, params, *args)
        except ApiError as exc:
            exc.headers = {**headers, **exc.headers}
            raise
        self._json(200, answer, headers)

    def _admin_params(self, method: str, query: dict, body: bytes) -> dict:
        if method == "GET" or not body:
            return {k: v if k.endswith("[]") else v[-1] for k, v in query.items()}
        content_type = self.headers.get("Content-Type", "")
        if "json" in content_type:
            try:
                params = json.loads(body.decode("utf-8"))
            except ValueError:
                raise ApiError(400, "Invalid JSON body") from None
            if not isinstance(params, dict):
                raise ApiError(400, "Invalid JSON body")
            return params
        form, _ = upload_auth.parse_form(content_type, body)
        return form

    def _check_basic_auth(self) -> None:
        header = self.headers.get("Authorization", "")
        expected = f"{self.emu.api_key}:{self.emu.api_secret}"
        if header.startswith("Basic "):
            try:
                if base64.b64decode(header[6:]).decode("utf-8") == expected:
                    return
            except ValueError:
                pass
        raise ApiError(401, "Invalid credentials")

    # -- delivery host ----------------------------------------------------------------
    def _search_url(self, path: str, query: dict) -> None:
        """``/<cloud>/search/<sig>/<ttl>/<b64 query>[/<cursor>]`` from ``Search.to_url``."""
        parts = path.strip("/").split("/")
        if len(parts) < 5 or parts[0] != self.emu.cloud or parts[1] != "search":
            return self._delivery_call("serve", path, query, self.cdn_request)
        signature, ttl, b64query = parts[2], parts[3], parts[4]
        digest = hashlib.sha256(f"{ttl}{b64query}{self.emu.api_secret}".encode()).hexdigest()
        if digest != signature:
            raise ApiError(401, "Invalid signature")
        params = json.loads(base64.urlsafe_b64decode(b64query + "=" * (-len(b64query) % 4)))
        if len(parts) > 5:
            params["next_cursor"] = parts[5]
        self.emu.count_call("search_url")
        self._json(200, search_api.search(self.emu, params))

    def _delivery_call(self, method_name: str, *args) -> None:
        delivery = self.emu.delivery()
        if delivery is None:
            self._send(501, {"X-Cld-Error": "Delivery is not implemented yet"}, b"")
            return
        status, headers, payload = getattr(delivery, method_name)(*args)
        self._send(status, dict(headers), payload)


class EmulatorHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its emulator."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, emu):
        super().__init__(address, Handler)
        self.emu = emu


def load_delivery(store, cloud: str, api_key: str, api_secret: str,
                  auth_token_key: str | None = None):
    """Instantiate the delivery module's ``Delivery`` or return None when it does not exist."""
    try:
        module = importlib.import_module("emulators.cloudinary.delivery")
    except ModuleNotFoundError as exc:
        if exc.name == "emulators.cloudinary.delivery":
            return None
        raise
    return module.Delivery(store, cloud, api_key, api_secret, auth_token_key)
