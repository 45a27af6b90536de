"""The portal's only client for OpenText Trading Grid (Active Community); see docs/trading-grid.md.

A thin layer on `requests`: Basic credentials from the userinfo of `TRADING_GRID_URL`,
timeouts, bounded retries (connection errors, 5xx, 429 with `Retry-After`), lazy paging
through SCIM-style lists, typed results, and webhook verification. No ORM code: the sync
service turns these dataclasses into rows. Django settings are read only at call time, and
only when no explicit url/secret is given, so this module is unit-testable without Django.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import requests

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (3.05, 15.0)  # (connect, read) seconds
DEFAULT_PAGE_SIZE = 100
WEBHOOK_TOLERANCE = 300  # seconds; older (or further in the future) is refused
SIGNATURE_PREFIX = "sha256="


class TradingGridError(Exception):
    """Trading Grid answered something the portal cannot use (or is misconfigured)."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class TradingGridUnavailable(TradingGridError):
    """Unreachable, 5xx or rate limited after our retries; `retry_after`: the asked wait (s)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class TradingGridAuthError(TradingGridError):
    """The client id or secret was refused (401/403). Retrying will not help."""


class TradingGridNotFound(TradingGridError):
    """The community (or other resource) does not exist."""


class WebhookVerificationError(TradingGridError):
    """A webhook must not be trusted."""


class InvalidSignature(WebhookVerificationError):
    """The webhook's signature headers are missing, malformed or do not match the body."""


class StaleWebhook(WebhookVerificationError):
    """The webhook's signed timestamp is outside the tolerance (a replay, or a bad clock)."""


def _datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class RemoteCompany:
    """A partner organisation as Trading Grid names it (`TGC-…` id)."""

    id: str
    name: str


@dataclass(frozen=True)
class RemoteCommunity:
    """A Trading Grid community."""

    id: str
    name: str
    kind: str
    markets: tuple[str, ...]
    description: str
    updated_at: datetime | None
    languages: tuple[str, ...] = ()  # BCP 47, best first; absent from older payloads

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RemoteCommunity:
        """Build from the contract's JSON object."""
        return cls(
            id=data["id"],
            name=data.get("name", ""),
            kind=data.get("kind", "other"),
            markets=tuple(data.get("markets") or ()),
            description=data.get("description") or "",
            updated_at=_datetime(data.get("updated_at")),
            languages=tuple(str(tag).strip() for tag in data.get("languages") or ()
                            if str(tag).strip()),
        )


@dataclass(frozen=True)
class RemoteMember:
    """A person's membership of one community. `id` identifies the person across communities."""

    id: str
    email: str
    given_name: str
    family_name: str
    company: RemoteCompany
    role: str
    status: str
    valid_from: date | None
    valid_until: date | None
    updated_at: datetime | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RemoteMember:
        """Build from the contract's JSON object."""
        company = data.get("company") or {}
        return cls(
            id=data["id"],
            email=data["email"],
            given_name=data.get("givenName") or "",
            family_name=data.get("familyName") or "",
            company=RemoteCompany(id=company.get("id", ""), name=company.get("name", "")),
            role=data.get("role", "member"),
            status=data.get("status", "active"),
            valid_from=_date(data.get("validFrom")),
            valid_until=_date(data.get("validUntil")),
            updated_at=_datetime(data.get("updated_at")),
        )

    def is_active_on(self, day: date) -> bool:
        """Active status and `day` inside the validity window (both ends inclusive)."""
        return (
            self.status == "active"
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_until is None or day <= self.valid_until)
        )


@dataclass(frozen=True)
class TradingGridEvent:
    """A verified webhook event; `id` is the de-duplication key (reused on retries)."""

    id: str
    type: str
    occurred_at: datetime | None
    community: RemoteCommunity | None
    member: RemoteMember | None


@dataclass(frozen=True)
class TradingGridConfig:
    """Where Trading Grid is and who we are: parsed from a URL with userinfo credentials."""

    base_url: str
    client_id: str
    client_secret: str

    @classmethod
    def from_url(cls, url: str) -> TradingGridConfig:
        """Split `http://ID:SECRET@host:port/v1` into a credential-free base URL and the pair."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TradingGridError("TRADING_GRID_URL must be an http(s) URL")
        if not parts.username or parts.password is None:
            raise TradingGridError("TRADING_GRID_URL must carry client id and secret as userinfo")
        netloc = parts.netloc.rpartition("@")[2]
        base = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
        return cls(base, unquote(parts.username), unquote(parts.password))


def _setting(name: str) -> Any:
    from django.conf import settings  # at call time: keeps this module importable anywhere

    value = getattr(settings, name, None)
    if not value:
        raise TradingGridError(f"settings.{name} is not configured")
    return value


class TradingGridClient:
    """Reads communities and members. Every call is a GET, so every call may be retried."""

    def __init__(
        self,
        url: str | None = None,
        *,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_retry_after: float = 30.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`url` defaults to settings.TRADING_GRID_URL. Retry n waits ~backoff * 2**n seconds;
        a 429 waits its Retry-After, unless that exceeds `max_retry_after` (then we give up
        with TradingGridUnavailable.retry_after set, for the caller to reschedule)."""
        self.config = TradingGridConfig.from_url(url or _setting("TRADING_GRID_URL"))
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.session = session or requests.Session()
        self.session.auth = (self.config.client_id, self.config.client_secret)
        self.session.headers.setdefault("Accept", "application/json")
        self._sleep = sleep

    def ping(self) -> bool:
        """True when Trading Grid answers and accepts our credentials; raises otherwise."""
        return self._get("/ping").get("status") == "ok"

    def get_community(self, community_id: str) -> RemoteCommunity:
        """One community; TradingGridNotFound when it does not exist."""
        return RemoteCommunity.from_json(self._get(f"/communities/{_segment(community_id)}"))

    def iter_communities(self, page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[RemoteCommunity]:
        """Every community, fetched one page at a time as the caller iterates."""
        for item in self._iter_pages("/communities", page_size):
            yield RemoteCommunity.from_json(item)

    def iter_members(self, community_id: str, page_size: int = DEFAULT_PAGE_SIZE
                     ) -> Iterator[RemoteMember]:
        """Every member of a community, fetched one page at a time as the caller iterates."""
        path = f"/communities/{_segment(community_id)}/members"
        for item in self._iter_pages(path, page_size):
            yield RemoteMember.from_json(item)

    def _iter_pages(self, path: str, page_size: int) -> Iterator[dict]:
        start = 1
        while True:
            page = self._get(path, {"startIndex": start, "count": page_size})
            resources = page.get("Resources") or []
            yield from resources
            start += len(resources)
            if not resources or start > int(page.get("totalResults", 0)):
                return

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> dict:
        url = self.config.base_url + path
        for attempt in itertools.count():  # ends: _retry_delay raises after max_retries
            response, failure = self._attempt(url, params)
            if response is not None and not _retryable(response):
                return _decode(response, path)
            delay = self._retry_delay(response, attempt, failure, path)
            logger.warning("Trading Grid GET %s failed (%s); retry in %.2fs", path, failure, delay)
            self._sleep(delay)
        raise AssertionError("unreachable")

    def _attempt(self, url: str, params: Mapping[str, Any] | None) -> tuple[Any, str]:
        """One request: (response, description) or (None, description) on a network error."""
        try:
            response = self.session.get(url, params=params, timeout=self.timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            return None, type(exc).__name__
        return response, f"HTTP {response.status_code}"

    def _retry_delay(
        self, response: requests.Response | None, attempt: int, failure: str, path: str
    ) -> float:
        """Seconds to wait before the next try; raises when we should stop trying."""
        retry_after = _retry_after(response) if response is not None else None
        if attempt >= self.max_retries:
            raise TradingGridUnavailable(
                f"Trading Grid GET {path}: {failure} after {attempt + 1} attempts",
                retry_after=retry_after, status=_status(response),
            )
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                raise TradingGridUnavailable(
                    f"Trading Grid GET {path}: asked to wait {retry_after:.0f}s",
                    retry_after=retry_after, status=_status(response),
                )
            return retry_after
        delay = self.backoff * 2**attempt
        return delay + random.uniform(0, delay / 10)  # jitter spreads a fleet's retries


def _retryable(response: requests.Response) -> bool:
    return response.status_code == 429 or response.status_code >= 500


def _segment(value: str) -> str:
    return quote(value, safe="")


def _status(response: requests.Response | None) -> int | None:
    return response.status_code if response is not None else None


def _retry_after(response: requests.Response) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date), or None when absent/garbled."""
    raw = response.headers.get("Retry-After")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(raw) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def _decode(response: requests.Response, path: str) -> dict:
    """The JSON body of a < 500 answer, or the matching portal exception."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.ok and isinstance(body, dict):
        return body
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    message = f"Trading Grid GET {path}: HTTP {response.status_code} {error.get('message', '')}"
    kwargs = {"status": response.status_code, "code": error.get("code")}
    if response.status_code in (401, 403):
        raise TradingGridAuthError(message.strip(), **kwargs)
    if response.status_code == 404:
        raise TradingGridNotFound(message.strip(), **kwargs)
    if response.ok:
        raise TradingGridError(f"Trading Grid GET {path}: answer is not a JSON object", **kwargs)
    raise TradingGridError(message.strip(), **kwargs)


def ping(*, url: str | None = None) -> bool:
    """TradingGridClient(url).ping()."""
    return TradingGridClient(url).ping()


def get_community(community_id: str, *, url: str | None = None) -> RemoteCommunity:
    """TradingGridClient(url).get_community(community_id)."""
    return TradingGridClient(url).get_community(community_id)


def iter_communities(
    *, url: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
) -> Iterator[RemoteCommunity]:
    """TradingGridClient(url).iter_communities(page_size)."""
    return TradingGridClient(url).iter_communities(page_size)


def iter_members(
    community_id: str, *, url: str | None = None, page_size: int = DEFAULT_PAGE_SIZE
) -> Iterator[RemoteMember]:
    """TradingGridClient(url).iter_members(community_id, page_size)."""
    return TradingGridClient(url).iter_members(community_id, page_size)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive lookup; also accepts Django's request.META spelling (HTTP_X_TG_…)."""
    wanted = {name.lower(), "http_" + name.lower().replace("-", "_")}
    for key, value in headers.items():
        if key.lower() in wanted:
            return value
    return None


def _timestamp(now: float | datetime | None) -> float:
    if now is None:
        return time.time()
    return now.timestamp() if isinstance(now, datetime) else float(now)


def _check_signature(body: bytes, headers: Mapping[str, str], secret: str) -> int:
    """Verify X-TG-Signature over timestamp + "." + body; return the signed timestamp."""
    timestamp = _header(headers, "X-TG-Timestamp")
    signature = _header(headers, "X-TG-Signature")
    if not timestamp or not signature:
        raise InvalidSignature("missing X-TG-Timestamp or X-TG-Signature header")
    if not timestamp.strip().isdigit():
        raise InvalidSignature(f"X-TG-Timestamp must be unix seconds, got {timestamp!r}")
    if not signature.startswith(SIGNATURE_PREFIX):
        raise InvalidSignature("X-TG-Signature must look like sha256=<hex>")
    message = timestamp.strip().encode() + b"." + body
    expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.removeprefix(SIGNATURE_PREFIX).strip()):
        raise InvalidSignature("X-TG-Signature does not match the body (wrong secret or altered)")
    return int(timestamp)


def _parse_event(body: bytes, header_id: str | None) -> TradingGridEvent:
    try:
        data = json.loads(body)
        event = TradingGridEvent(
            id=data["id"],
            type=data["type"],
            occurred_at=_datetime(data.get("occurred_at")),
            community=RemoteCommunity.from_json(data["community"]) if data.get("community")
            else None,
            member=RemoteMember.from_json(data["member"]) if data.get("member") else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise WebhookVerificationError(f"signed webhook body is not a valid event: {exc!r}")
    if header_id and header_id != event.id:
        raise WebhookVerificationError("X-TG-Event-Id does not match the signed event id")
    return event


def verify_webhook(
    body: bytes,
    headers: Mapping[str, str],
    secret: str | None = None,
    now: float | datetime | None = None,
    tolerance: int = WEBHOOK_TOLERANCE,
) -> TradingGridEvent:
    """Check a webhook's HMAC signature and freshness, then return its event.

    `body` must be the raw request bytes (request.body), `headers` request.headers or
    request.META. `secret` defaults to settings.TRADING_GRID_WEBHOOK_SECRET. Raises
    InvalidSignature, StaleWebhook, or WebhookVerificationError for a malformed body.
    """
    secret = secret or _setting("TRADING_GRID_WEBHOOK_SECRET")
    signed_at = _check_signature(body, headers, secret)
    age = _timestamp(now) - signed_at
    if abs(age) > tolerance:
        direction = "old" if age > 0 else "in the future"
        raise StaleWebhook(f"webhook timestamp is {abs(age):.0f}s {direction}; "
                           f"the limit is {tolerance}s")
    return _parse_event(body, _header(headers, "X-TG-Event-Id"))


# -- Community discussion threads (docs/trading-grid.md, "Threads and posts") --------------

ASSET_URN_PREFIX = "cld"


@dataclass(frozen=True)
class AssetReference:
    """`cld:<cloud>:<asset_id>[:v<N>]`: a Cloudinary asset (and version) named in a post."""

    cloud: str
    asset_id: str
    version: int | None = None

    @classmethod
    def parse(cls, urn: str) -> AssetReference | None:
        """The reference in `urn`, or None when it is not one."""
        parts = (urn or "").strip().split(":")
        if len(parts) not in (3, 4) or parts[0] != ASSET_URN_PREFIX or not all(parts[1:3]):
            return None
        version = None
        if len(parts) == 4:
            if not (parts[3].startswith("v") and parts[3][1:].isdigit()):
                return None
            version = int(parts[3][1:])
        return cls(parts[1], parts[2], version)

    @property
    def urn(self) -> str:
        """The URN text."""
        tail = f":v{self.version}" if self.version is not None else ""
        return f"{ASSET_URN_PREFIX}:{self.cloud}:{self.asset_id}{tail}"


@dataclass(frozen=True)
class RemoteAuthor:
    """Who wrote a thread or post: a `member` (id = member id) or an `integration` (client id)."""

    type: str
    id: str
    name: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> RemoteAuthor:
        """Build from the contract's JSON object."""
        data = data or {}
        return cls(data.get("type", "member"), data.get("id", ""), data.get("name", ""))


@dataclass(frozen=True)
class RemotePost:
    """One post of a thread; `seq` numbers posts 1, 2, 3... within the thread."""

    id: str
    thread_id: str
    seq: int
    author: RemoteAuthor
    body: str
    attachments: tuple[dict, ...]
    idempotency_key: str | None
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RemotePost:
        """Build from the contract's JSON object."""
        return cls(
            id=data["id"], thread_id=data["thread_id"], seq=int(data["seq"]),
            author=RemoteAuthor.from_json(data.get("author")), body=data.get("body") or "",
            attachments=tuple(a for a in data.get("attachments") or () if isinstance(a, dict)),
            idempotency_key=data.get("idempotency_key"),
            created_at=_datetime(data.get("created_at")),
            updated_at=_datetime(data.get("updated_at")),
        )

    @property
    def asset_references(self) -> list[AssetReference]:
        """The asset references among the attachments (malformed ones are skipped)."""
        found = (AssetReference.parse(a.get("urn", "")) for a in self.attachments
                 if a.get("type") == "asset")
        return [ref for ref in found if ref]


@dataclass(frozen=True)
class RemoteThread:
    """A discussion thread of a community."""

    id: str
    community_id: str
    title: str
    tags: tuple[str, ...]
    status: str
    author: RemoteAuthor
    post_count: int
    url: str
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RemoteThread:
        """Build from the contract's JSON object."""
        return cls(
            id=data["id"], community_id=data["community_id"], title=data.get("title") or "",
            tags=tuple(data.get("tags") or ()), status=data.get("status", "open"),
            author=RemoteAuthor.from_json(data.get("author")),
            post_count=int(data.get("post_count") or 0), url=data.get("url") or "",
            created_at=_datetime(data.get("created_at")),
            updated_at=_datetime(data.get("updated_at")),
        )


class ThreadClient(TradingGridClient):
    """Threads and posts: paged reads, and writes that carry an Idempotency-Key.

    A write is retried like a read (5xx, 429, network errors): the key makes the retry
    return the first result instead of posting twice, even when only the answer was lost.
    """

    def get_thread(self, community_id: str, thread_id: str) -> RemoteThread:
        """One thread; TradingGridNotFound when it does not exist."""
        return RemoteThread.from_json(self._get(self._thread_path(community_id, thread_id)))

    def iter_threads(self, community_id: str, page_size: int = DEFAULT_PAGE_SIZE
                     ) -> Iterator[RemoteThread]:
        """Every thread of a community, oldest first, a page at a time."""
        path = f"/communities/{_segment(community_id)}/threads"
        for item in self._iter_pages(path, page_size):
            yield RemoteThread.from_json(item)

    def iter_posts(self, community_id: str, thread_id: str, *, after_seq: int = 0,
                   page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[RemotePost]:
        """The thread's posts with seq > after_seq, in order."""
        path = self._thread_path(community_id, thread_id) + "/posts"
        start = after_seq + 1
        while True:
            page = self._get(path, {"startIndex": start, "count": page_size})
            resources = page.get("Resources") or []
            for item in resources:
                yield RemotePost.from_json(item)
            start += len(resources)
            if not resources or start > int(page.get("totalResults", 0)):
                return

    def create_thread(self, community_id: str, *, title: str, body: str,
                      idempotency_key: str, tags: list[str] | None = None,
                      attachments: list[dict] | None = None
                      ) -> tuple[RemoteThread, RemotePost]:
        """Open a thread (its first post is `body`)."""
        data = self._post(f"/communities/{_segment(community_id)}/threads",
                          {"title": title, "body": body, "tags": tags or [],
                           "attachments": attachments or []}, idempotency_key)
        return RemoteThread.from_json(data["thread"]), RemotePost.from_json(data["post"])

    def add_post(self, community_id: str, thread_id: str, *, body: str, idempotency_key: str,
                 attachments: list[dict] | None = None) -> RemotePost:
        """Add a post to a thread; the same key never posts twice."""
        data = self._post(self._thread_path(community_id, thread_id) + "/posts",
                          {"body": body, "attachments": attachments or []}, idempotency_key)
        return RemotePost.from_json(data["post"])

    @staticmethod
    def _thread_path(community_id: str, thread_id: str) -> str:
        return f"/communities/{_segment(community_id)}/threads/{_segment(thread_id)}"

    def _post(self, path: str, payload: dict, idempotency_key: str) -> dict:
        url = self.config.base_url + path
        headers = {"Idempotency-Key": idempotency_key}
        for attempt in itertools.count():  # ends: _retry_delay raises after max_retries
            try:
                response = self.session.post(url, json=payload, headers=headers,
                                             timeout=self.timeout)
                failure = f"HTTP {response.status_code}"
            except (requests.ConnectionError, requests.Timeout) as exc:
                response, failure = None, type(exc).__name__
            if response is not None and not _retryable(response):
                return _decode(response, path)
            delay = self._retry_delay(response, attempt, failure, path)
            logger.warning("Trading Grid POST %s failed (%s); retry in %.2fs", path, failure,
                           delay)
            self._sleep(delay)
        raise AssertionError("unreachable")


def thread_event_parts(payload: Mapping[str, Any]) -> tuple[RemoteThread | None,
                                                             RemotePost | None]:
    """The thread and post objects of a verified `thread.*` / `post.*` event body."""
    thread = payload.get("thread")
    post = payload.get("post")
    return (RemoteThread.from_json(thread) if isinstance(thread, dict) else None,
            RemotePost.from_json(post) if isinstance(post, dict) else None)


THREAD_EVENT_TYPES = frozenset({"thread.created", "post.created", "post.updated",
                                "thread.closed"})
