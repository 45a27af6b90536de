"""`TradingGridEmulator`: the in-process Trading Grid used by tests, `make run` and the CLI.

    with TradingGridEmulator(seed="demo", webhook_url=url, webhook_secret=s) as emu:
        requests.get(emu.url + "/communities", auth=(emu.client_id, emu.client_secret))
        emu.remove_member("COMM-EU-RETAIL", "bob@alpine-outfitters.example")
        emu.wait_for_deliveries(5)

Every change made through the hooks below changes the directory AND emits the signed
webhook event that a real Trading Grid would send.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .directory import Directory, utc_now_iso
from .faults import FaultInjector
from .oidc import DEFAULT_PASSWORD, OidcProvider
from .seed import build_directory
from .server import TradingGridServer
from .threads import ThreadStore, WriteFaults
from .webhooks import WebhookAttempt, WebhookSender

DEFAULT_CLIENT_ID = "portal-demo"
DEFAULT_CLIENT_SECRET = "tg-demo-secret"
DEFAULT_WEBHOOK_SECRET = "tg-webhook-demo-secret"
STATE_FILE = "directory.json"


class TradingGridEmulator:
    """A Trading Grid stand-in on a real socket, with hooks to change its directory."""

    def __init__(
        self,
        *,
        seed: str = "demo",
        host: str = "127.0.0.1",
        port: int = 0,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        webhook_url: str | None = None,
        webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
        state_dir: str | Path | None = None,
        fail_rate: float = 0.0,
        random_seed: int = 0,
        webhook_attempts: int = 5,
        webhook_backoff: float = 0.5,
        sso_password: str = DEFAULT_PASSWORD,
        sso_redirect_uris: list[str] | None = None,
    ) -> None:
        """Configure; nothing listens until start(). Port 0 picks a free port."""
        self.seed = seed
        self.host, self._requested_port = host, port
        self.client_id, self.client_secret = client_id, client_secret
        self.webhook_url, self.webhook_secret = webhook_url, webhook_secret
        self.state_path = Path(state_dir) / STATE_FILE if state_dir else None
        self.faults = FaultInjector(fail_rate, random_seed)
        self.directory: Directory = build_directory(seed)
        self.events: list[dict] = []
        self.requests_log: list[tuple[str, str, str]] = []
        self._sender = (
            WebhookSender(webhook_url, webhook_secret, attempts=webhook_attempts,
                          backoff=webhook_backoff)
            if webhook_url else None
        )
        # OpenID Connect sign-in for directory people; the API client is its OIDC client.
        self.oidc = OidcProvider(self, password=sso_password, redirect_uris=sso_redirect_uris)
        # Community discussion threads (docs/trading-grid.md, "Threads and posts").
        self.threads = ThreadStore()
        self.write_faults = WriteFaults(random_seed)
        self._server: TradingGridServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> TradingGridEmulator:
        """Load saved state if any, bind, and serve in a background thread."""
        if self.state_path and self.state_path.exists():
            self.directory.load(self.state_path)
        if self.state_path and self._threads_path.exists():
            self.threads.load(self._threads_path)
        self._server = TradingGridServer((self.host, self._requested_port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name="tg-emulator", daemon=True,
        )
        self.threads.base_url = self.root_url
        self._thread.start()
        if self._sender:
            self._sender.start()
        return self

    def stop(self) -> None:
        """Stop serving and delivering; safe to call twice."""
        if self._sender:
            self._sender.stop()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> TradingGridEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port actually bound (after start())."""
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return self._server.server_address[1]

    @property
    def root_url(self) -> str:
        """http://host:port, without the /v1 prefix (the /_admin hooks live here)."""
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The API base URL, including /v1, without credentials."""
        return f"{self.root_url}/v1"

    @property
    def trading_grid_url(self) -> str:
        """The API base URL with client id and secret in the userinfo: TRADING_GRID_URL."""
        userinfo = f"{quote(self.client_id, safe='')}:{quote(self.client_secret, safe='')}"
        return f"http://{userinfo}@{self.host}:{self.port}/v1"

    # -- webhooks ------------------------------------------------------------------------

    @property
    def webhooks_sent(self) -> list[WebhookAttempt]:
        """Every delivery attempt so far (retries included), oldest first."""
        return list(self._sender.log) if self._sender else []

    def wait_for_deliveries(self, timeout: float = 5.0) -> list[WebhookAttempt]:
        """Wait until every event is delivered or given up; TimeoutError if it takes longer."""
        if self._sender:
            self._sender.wait(timeout)
        return self.webhooks_sent

    # -- directory hooks (each one emits its webhook) ------------------------------------

    def add_community(self, community_id: str, **fields: Any) -> dict:
        """Create a community (name, kind, markets, languages, description); emits
        community.updated."""
        community = self._change(self.directory.add_community, community_id, **fields)
        self._emit("community.updated", community_id)
        return community

    def update_community(self, community_id: str, **changes: Any) -> dict:
        """Change a community's fields; emits community.updated."""
        community = self._change(self.directory.update_community, community_id, **changes)
        self._emit("community.updated", community_id)
        return community

    def add_member(self, community_id: str, **fields: Any) -> dict:
        """Add a member (email=, company_id=, company_name=, role=, ...); emits member.added."""
        member = self._change(self.directory.add_member, community_id, **fields)
        self._emit("member.added", community_id, member)
        return member

    def remove_member(self, community_id: str, email: str) -> dict:
        """Remove a member; emits member.removed carrying the member as it was."""
        member = self._change(self.directory.remove_member, community_id, email)
        self._emit("member.removed", community_id, member)
        return member

    def update_member(self, community_id: str, email: str, **changes: Any) -> dict:
        """Change a member (role=, status=, valid_until=, ...); emits member.updated."""
        member = self._change(self.directory.update_member, community_id, email, **changes)
        self._emit("member.updated", community_id, member)
        return member

    def reset(self, seed: str = "demo") -> None:
        """Replace the directory with a fresh seed; no webhooks (a full sync catches up)."""
        fresh = build_directory(seed)
        self.directory.restore(fresh.snapshot())
        self._save()

    # -- threads: a member writes in the community (hooks), or the portal does (API) ----

    def member_author(self, community_id: str, email: str) -> dict:
        """The `author` object of a directory person (any email; unknown ones get an id)."""
        try:
            member = self.directory.get_member(community_id, email)
        except Exception:  # not in this community: still a Trading Grid person
            from .directory import member_id_for

            return {"type": "member", "id": member_id_for(email), "name": email}
        name = f"{member['givenName']} {member['familyName']}".strip()
        return {"type": "member", "id": member["id"], "name": name or member["email"]}

    def create_thread(self, community_id: str, email: str, *, title: str, body: str,
                      tags: Any = (), attachments: Any = None) -> dict:
        """A member opens a thread in a community; emits thread.created."""
        self.directory.get_community(community_id)
        thread, post, _ = self.threads.create_thread(
            community_id, author=self.member_author(community_id, email), title=title,
            body=body, tags=tags, attachments=attachments)
        self._emit_thread("thread.created", thread, post)
        return {"thread": thread, "post": post}

    def add_post(self, thread_id: str, email: str, *, body: str,
                 attachments: Any = None) -> dict:
        """A member posts in a thread; emits post.created."""
        community_id = self.threads.get_thread(thread_id)["community_id"]
        thread, post, _ = self.threads.add_post(
            thread_id, author=self.member_author(community_id, email), body=body,
            attachments=attachments)
        self._emit_thread("post.created", thread, post)
        return {"thread": thread, "post": post}

    def update_post(self, thread_id: str, post_id: str, *, body: str) -> dict:
        """A post's author edits it; emits post.updated."""
        thread, post = self.threads.update_post(thread_id, post_id, body)
        self._emit_thread("post.updated", thread, post)
        return {"thread": thread, "post": post}

    def close_thread(self, thread_id: str) -> dict:
        """A moderator closes a thread; emits thread.closed."""
        thread = self.threads.close_thread(thread_id)
        self._emit_thread("thread.closed", thread, None)
        return {"thread": thread}

    def _integration_author(self) -> dict:
        return {"type": "integration", "id": self.client_id, "name": "Partner Portal"}

    def portal_create_thread(self, community_id: str, *, idempotency_key: str,
                             **fields: Any) -> tuple[dict, bool]:
        """POST /v1/communities/{id}/threads by the API client; emits thread.created once."""
        thread, post, created = self.threads.create_thread(
            community_id, author=self._integration_author(), idempotency_key=idempotency_key,
            **fields)
        if created:
            self._emit_thread("thread.created", thread, post)
        return {"thread": thread, "post": post}, created

    def portal_add_post(self, thread_id: str, *, idempotency_key: str,
                        **fields: Any) -> tuple[dict, bool]:
        """POST /v1/.../threads/{id}/posts by the API client; emits post.created once."""
        thread, post, created = self.threads.add_post(
            thread_id, author=self._integration_author(), idempotency_key=idempotency_key,
            **fields)
        if created:
            self._emit_thread("post.created", thread, post)
        return {"thread": thread, "post": post}, created

    def _emit_thread(self, event_type: str, thread: dict, post: dict | None) -> dict:
        self._save()
        event = {
            "id": f"evt_{uuid.uuid4().hex}", "type": event_type, "occurred_at": utc_now_iso(),
            "community": self.directory.get_community(thread["community_id"]),
            "member": None, "thread": thread, "post": post,
        }
        with self._lock:
            self.events.append(event)
        if self._sender:
            self._sender.send(event)
        return event

    # -- internals -----------------------------------------------------------------------

    def _change(self, operation: Any, *args: Any, **kwargs: Any) -> dict:
        result = operation(*args, **kwargs)
        self._save()
        return result

    @property
    def _threads_path(self) -> Path:
        return self.state_path.with_name("threads.json")

    def _save(self) -> None:
        if self.state_path:
            self.directory.save(self.state_path)
            self.threads.save(self._threads_path)

    def _emit(self, event_type: str, community_id: str, member: dict | None = None) -> dict:
        event = {
            "id": f"evt_{uuid.uuid4().hex}",
            "type": event_type,
            "occurred_at": utc_now_iso(),
            "community": self.directory.get_community(community_id),
            "member": member,
        }
        with self._lock:
            self.events.append(event)
        if self._sender:
            self._sender.send(event)
        return event
