"""``CloudinaryEmulator``: the in-process handle used by tests, ``make run`` and the CLI.

    emu = CloudinaryEmulator(seed="demo").start()      # port 0 = a free port
    os.environ["CLOUDINARY_URL"] = emu.cloudinary_url  # or cloudinary.config(**emu.sdk_config())
    ...
    emu.stop()

``cloudinary_url`` carries ``upload_prefix`` (API host) and ``cname`` (delivery host); leave
the SDK's ``secure`` unset/False (a ``secure=false`` query value would be the truthy string
``"false"``), so delivery URLs come out as ``http://127.0.0.1:PORT/<cloud>/...``.
"""

from __future__ import annotations

import threading
from collections import Counter

from .access import TokenVerifier
from .faults import Faults, RateLimiter
from .notifications import Notifier
from .persistence import Persister
from .query import QueryEngine
from .seed import seed_bulk, seed_demo, seed_taxonomy
from .server import EmulatorHTTPServer, load_delivery
from .store import Store


class CloudinaryEmulator:
    """A local Cloudinary cloud (Admin, Search, Upload APIs, webhooks, delivery routing)."""

    def __init__(self, cloud: str = "demo", api_key: str = "demo_key",
                 api_secret: str = "demo_secret",  # noqa: S107 - the emulator's demo secret
                 seed: str = "empty",
                 rate_limit: int | None = None, notification_url: str | None = None,
                 state_dir: str | None = None, host: str = "127.0.0.1", port: int = 0,
                 faults: Faults | None = None, rate_limit_window_seconds: int = 3600,
                 seed_count: int | None = None, auth_token_key: str | None = None):
        self.cloud = cloud
        # hex key of token-based access (None: the account has no token auth); see ACCESS.md
        self.auth_token_key = auth_token_key
        if auth_token_key:
            TokenVerifier(auth_token_key)  # a key that is not hex fails here, not on delivery
        self.api_key = api_key
        self.api_secret = api_secret
        self.signature_algorithm = "sha1"  # the account setting; "sha256" like the SDK option
        self.seed = seed
        self.seed_count = seed_count
        self.host = host
        self.port = port
        self.state_dir = state_dir
        self.store = Store()
        self.engine = QueryEngine(self.store)
        self.faults = faults or Faults()
        self.rate_limiter = RateLimiter(rate_limit, rate_limit_window_seconds)
        self.notifier = Notifier(api_key, api_secret, notification_url)
        self.api_calls: Counter = Counter()
        self._calls_lock = threading.Lock()
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._persister: Persister | None = None
        self._delivery = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> CloudinaryEmulator:
        """Load or seed the state, then serve on a background thread. Returns self."""
        self._server = EmulatorHTTPServer((self.host, self.port), self)
        self.port = self._server.server_address[1]
        loaded = False
        if self.state_dir:
            self._persister = Persister(self.store, self.state_dir)
            loaded = self._persister.load()
        if not loaded:
            self._seed()
        if self._persister:
            self._persister.start()
            if not loaded:
                self._persister.save()
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="cld-emulator", daemon=True)
        self._thread.start()
        return self

    def _seed(self) -> None:
        # Even the "empty" cloud has the taxonomy's metadata fields (no assets): uploads
        # with metadata need them, as they would on a configured real account.
        seed_taxonomy(self.store)
        if self.seed == "demo":
            seed_demo(self.store)
        elif self.seed not in ("empty", None):
            raise ValueError(f"unknown seed {self.seed!r} (demo or empty)")
        if self.seed_count:
            self.seed_bulk(self.seed_count)

    def stop(self) -> None:
        """Stop serving and flush pending state and notifications."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.notifier.wait_idle(timeout=2)
        self.notifier.stop()
        if self._persister is not None:
            self._persister.stop()

    def serve_forever(self) -> None:
        """Block until interrupted (the CLI's main loop)."""
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(timeout=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> CloudinaryEmulator:
        return self if self._server else self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------
    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` — both the API host and the delivery host."""
        return f"http://{self.host}:{self.port}"

    @property
    def cloudinary_url(self) -> str:
        """The ``CLOUDINARY_URL`` for this emulator (upload_prefix + cname)."""
        return (f"cloudinary://{self.api_key}:{self.api_secret}@{self.cloud}"
                f"?upload_prefix={self.url}&cname={self.host}:{self.port}")

    def sdk_config(self) -> dict:
        """Keyword arguments for ``cloudinary.config(**...)``."""
        return {"cloud_name": self.cloud, "api_key": self.api_key,
                "api_secret": self.api_secret, "upload_prefix": self.url,
                "cname": f"{self.host}:{self.port}", "secure": False,
                "private_cdn": False, "secure_distribution": None, "cdn_subdomain": False}

    # -- test hooks -----------------------------------------------------------------
    def seed_bulk(self, n: int, **kwargs) -> int:
        """Create ``n`` synthetic assets quickly (placeholder bytes); see :func:`seed_bulk`."""
        return seed_bulk(self.store, n, **kwargs)

    def count_call(self, endpoint: str) -> None:
        """Count one Admin/Search call (``api_calls["total"]`` and per endpoint)."""
        with self._calls_lock:
            self.api_calls["total"] += 1
            self.api_calls[endpoint] += 1

    @property
    def notifications_sent(self) -> list[dict]:
        """Every notification attempted: ``{url, payload, body, attempts, status}``."""
        return self.notifier.sent

    def set_notification_url(self, url: str | None) -> None:
        """Change the cloud-wide notification URL (None turns notifications off)."""
        self.notifier.url = url

    def wait_for_notifications(self, timeout: float = 5.0) -> bool:
        """Block until queued notifications were delivered or gave up."""
        return self.notifier.wait_idle(timeout)

    def exhaust_rate_limit(self) -> None:
        """Spend this hour's Admin/Search budget, so the next call answers 420."""
        self.rate_limiter.exhaust()

    @property
    def rate_limit_window_seconds(self) -> int:
        """Length of the rate-limit window (3600 like Cloudinary; shorten in tests)."""
        return self.rate_limiter.window_seconds

    @rate_limit_window_seconds.setter
    def rate_limit_window_seconds(self, seconds: int) -> None:
        self.rate_limiter.window_seconds = seconds
        self.rate_limiter.used = 0

    @property
    def eager_requests(self) -> list[dict]:
        """Every eager request (upload/explicit) so far: public_id, eager specs, async, URL,
        batch_id, status (pending → processed | failed)."""
        with self.store.lock:
            return [dict(r) for r in self.store.eager_requests]

    def wait_for_eager(self, timeout: float = 10.0) -> bool:
        """Block until async eager jobs are rendered and their notifications queued."""
        from .derivatives import wait_idle

        return wait_idle(timeout) and self.notifier.wait_idle(timeout)

    @property
    def strict_transformations(self) -> bool:
        """The account's strict-transformations setting (off by default, as on a new cloud)."""
        return self.store.strict_transformations

    @strict_transformations.setter
    def strict_transformations(self, on: bool) -> None:
        self.store.strict_transformations = bool(on)
        self.store.changed()

    def delivery(self):
        """The delivery module's ``Delivery`` instance (None until that module exists)."""
        if self._delivery is None:
            self._delivery = load_delivery(self.store, self.cloud, self.api_key,
                                           self.api_secret, self.auth_token_key)
        return self._delivery
