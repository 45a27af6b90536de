"""Community discussion threads and posts, in the shapes of docs/trading-grid.md.

A thread belongs to one community and starts with its first post (seq 1); posts are
numbered 1, 2, 3... per thread, which is the order readers page in. Writes made through
the API by the portal (an *integration* author) take an `Idempotency-Key`: the same key
returns the first result and writes nothing again. Plain data guarded by one lock.
"""

from __future__ import annotations

import copy
import itertools
import threading
from typing import Any

from .directory import DirectoryError, _page, utc_now_iso

TAGS_MAX = 10
BODY_MAX = 20_000


def _attachments(value: Any) -> list[dict]:
    """Validate attachments: asset references (urn + url) and links (url + title)."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise DirectoryError(400, "invalid_request", "attachments must be a list")
    cleaned = []
    for item in value:
        if not isinstance(item, dict) or item.get("type") not in ("asset", "link"):
            raise DirectoryError(400, "invalid_request",
                                 "each attachment needs type 'asset' or 'link'")
        if item["type"] == "asset" and not str(item.get("urn", "")).startswith("cld:"):
            raise DirectoryError(400, "invalid_request", "an asset attachment needs a cld: urn")
        if item["type"] == "link" and not str(item.get("url", "")).startswith(("http://",
                                                                               "https://")):
            raise DirectoryError(400, "invalid_request", "a link attachment needs an http(s) url")
        cleaned.append({k: str(item[k]) for k in ("type", "urn", "url", "title") if item.get(k)})
    return cleaned


def _body(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DirectoryError(400, "invalid_request", "body is required")
    if len(value) > BODY_MAX:
        raise DirectoryError(400, "invalid_request", f"body is longer than {BODY_MAX}")
    return value


class ThreadStore:
    """Threads by id (`TGT-n`) and their posts (`TGP-n`), with idempotency keys."""

    def __init__(self, base_url: str = "") -> None:
        """`base_url` prefixes each thread's browser `url` (the emulator's root URL)."""
        self._lock = threading.RLock()
        self.base_url = base_url
        self._threads: dict[str, dict] = {}
        self._posts: dict[str, list[dict]] = {}
        self._keys: dict[str, dict] = {}
        self._ids = itertools.count(1)

    # -- reads ---------------------------------------------------------------------------

    def list_threads(self, community_id: str, start_index: int, count: int) -> dict:
        """A community's threads, oldest first."""
        with self._lock:
            items = [t for t in self._threads.values() if t["community_id"] == community_id]
            return _page(items, start_index, count)

    def get_thread(self, thread_id: str) -> dict:
        """One thread; 404 when unknown."""
        with self._lock:
            return copy.deepcopy(self._thread(thread_id))

    def list_posts(self, thread_id: str, start_index: int, count: int) -> dict:
        """A thread's posts by seq (startIndex = seq)."""
        with self._lock:
            self._thread(thread_id)
            return _page(self._posts[thread_id], start_index, count)

    def all_posts(self, thread_id: str) -> list[dict]:
        """Every post of a thread (tests)."""
        with self._lock:
            return copy.deepcopy(self._posts[self._thread(thread_id)["id"]])

    # -- writes --------------------------------------------------------------------------

    def create_thread(self, community_id: str, *, author: dict, title: str, body: str,
                      tags: Any = (), attachments: Any = None,
                      idempotency_key: str | None = None) -> tuple[dict, dict, bool]:
        """(thread, first post, created). A known idempotency key returns the first result."""
        with self._lock:
            if idempotency_key and idempotency_key in self._keys:
                done = self._keys[idempotency_key]
                return self.get_thread(done["thread_id"]), copy.deepcopy(done["post"]), False
            if not isinstance(title, str) or not title.strip():
                raise DirectoryError(400, "invalid_request", "title is required")
            _body(body), _attachments(attachments)  # refuse before anything is stored
            tags = [str(t) for t in (tags or [])][:TAGS_MAX]
            now = utc_now_iso()
            thread_id = f"TGT-{next(self._ids):05d}"
            thread = {"id": thread_id, "community_id": community_id, "title": title.strip(),
                      "tags": tags, "status": "open", "author": author, "post_count": 0,
                      "url": f"{self.base_url}/communities/{community_id}/threads/{thread_id}",
                      "created_at": now, "updated_at": now}
            self._threads[thread_id] = thread
            self._posts[thread_id] = []
            post = self._append(thread, author, body, attachments, idempotency_key)
            return copy.deepcopy(thread), post, True

    def add_post(self, thread_id: str, *, author: dict, body: str, attachments: Any = None,
                 idempotency_key: str | None = None) -> tuple[dict, dict, bool]:
        """(thread, post, created); refused (409) on a closed thread."""
        with self._lock:
            if idempotency_key and idempotency_key in self._keys:
                done = self._keys[idempotency_key]
                return self.get_thread(done["thread_id"]), copy.deepcopy(done["post"]), False
            thread = self._thread(thread_id)
            if thread["status"] == "closed":
                raise DirectoryError(409, "conflict", "the thread is closed")
            post = self._append(thread, author, body, attachments, idempotency_key)
            return copy.deepcopy(thread), post, True

    def update_post(self, thread_id: str, post_id: str, body: str) -> tuple[dict, dict]:
        """Edit a post's body (the author changed their mind)."""
        with self._lock:
            thread = self._thread(thread_id)
            post = next((p for p in self._posts[thread_id] if p["id"] == post_id), None)
            if post is None:
                raise DirectoryError(404, "not_found", f"no post {post_id}")
            post["body"], post["updated_at"] = _body(body), utc_now_iso()
            return copy.deepcopy(thread), copy.deepcopy(post)

    def close_thread(self, thread_id: str) -> dict:
        """Close a thread (no more posts)."""
        with self._lock:
            thread = self._thread(thread_id)
            thread["status"], thread["updated_at"] = "closed", utc_now_iso()
            return copy.deepcopy(thread)

    # -- persistence (--state DIR: DIR/threads.json) -------------------------------------

    def save(self, path: Any) -> None:
        """Write every thread, post and idempotency key to `path` (JSON)."""
        import json

        with self._lock:
            data = {"threads": self._threads, "posts": self._posts, "keys": self._keys}
            path.write_text(json.dumps(data))

    def load(self, path: Any) -> None:
        """Read what save() wrote; ids continue after the highest one."""
        import json

        with self._lock:
            data = json.loads(path.read_text())
            self._threads, self._posts, self._keys = data["threads"], data["posts"], data["keys"]
            numbers = [int(i.split("-")[1]) for i in self._threads] + [
                int(p["id"].split("-")[1]) for posts in self._posts.values() for p in posts]
            self._ids = itertools.count(max(numbers, default=0) + 1)

    # -- internals -----------------------------------------------------------------------

    def _thread(self, thread_id: str) -> dict:
        try:
            return self._threads[thread_id]
        except KeyError:
            raise DirectoryError(404, "not_found", f"no thread {thread_id}")

    def _append(self, thread: dict, author: dict, body: Any, attachments: Any,
                idempotency_key: str | None) -> dict:
        now = utc_now_iso()
        posts = self._posts[thread["id"]]
        post = {"id": f"TGP-{next(self._ids):05d}", "thread_id": thread["id"],
                "seq": len(posts) + 1, "author": author, "body": _body(body),
                "attachments": _attachments(attachments),
                "idempotency_key": idempotency_key, "created_at": now, "updated_at": now}
        posts.append(post)
        thread["post_count"], thread["updated_at"] = len(posts), now
        if idempotency_key:
            self._keys[idempotency_key] = {"thread_id": thread["id"], "post": post}
        return copy.deepcopy(post)


class WriteFaults:
    """Failures of thread writes only: before the write (nothing stored) or after it (stored,
    but the answer is lost, so the caller must retry with its idempotency key)."""

    def __init__(self, random_seed: int = 0) -> None:
        """No failures until a rate is set."""
        import random

        self.before_rate = 0.0
        self.after_rate = 0.0
        self.injected = 0
        self._random = random.Random(random_seed)
        self._lock = threading.Lock()

    def set(self, rate: float, *, lost_reply_share: float = 0.5) -> None:
        """Fail `rate` of writes; `lost_reply_share` of those after the write was stored."""
        self.before_rate = rate * (1 - lost_reply_share)
        self.after_rate = rate * lost_reply_share

    def draw(self) -> str | None:
        """'before', 'after' or None for this write."""
        with self._lock:
            roll = self._random.random()
            fault = ("before" if roll < self.before_rate else
                     "after" if roll < self.before_rate + self.after_rate else None)
            self.injected += fault is not None
        return fault


# -- the community's web page of a thread (what a thread's `url` opens) -------------------

def serves_page(path: str) -> bool:
    """True for /communities/{id}/threads/{id} (the browser page, no API credentials)."""
    parts = path.strip("/").split("/")
    return len(parts) == 4 and parts[0] == "communities" and parts[2] == _COMMUNITY_THREADS


def page(emulator: Any, path: str) -> tuple[int, str]:
    """(status, HTML) of a thread and its posts, as members see it in the community."""
    from html import escape

    thread_id = path.strip("/").split("/")[3]
    try:
        thread = emulator.threads.get_thread(thread_id)
    except DirectoryError:
        return 404, "<!doctype html><title>Not found</title><p>No such thread.</p>"
    items = []
    for post in emulator.threads.all_posts(thread_id):
        refs = "".join(f'<li><a href="{escape(a.get("url", "#"))}">{escape(a.get("title") or a.get("urn") or a.get("url", ""))}</a> <code>{escape(a.get("urn", ""))}</code></li>'  # noqa: E501
                       for a in post["attachments"])
        items.append(f'<li><p><strong>{escape(post["author"]["name"])}</strong> '
                     f'({escape(post["author"]["type"])}) · {escape(post["created_at"])}</p>'
                     f'<pre style="white-space:pre-wrap">{escape(post["body"])}</pre>'
                     f'{"<ul>" + refs + "</ul>" if refs else ""}</li>')
    return 200, (f'<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" '
                 f'content="width=device-width"><title>{escape(thread["title"])}</title>'
                 f'<body style="font-family:sans-serif;max-width:50rem;margin:auto;padding:1rem">'
                 f'<p>Trading Grid (emulator) · {escape(thread["community_id"])}</p>'
                 f'<h1>{escape(thread["title"])}</h1><p>Status: {escape(thread["status"])} · '
                 f'tags: {escape(", ".join(thread["tags"]) or "none")}</p>'
                 f'<ol>{"".join(items)}</ol></body></html>')


# -- HTTP (called by server.TradingGridHandler for /v1/communities/{id}/threads...) -------

_COMMUNITY_THREADS = "threads"


def serves(path: str) -> bool:
    """True for the thread routes of the /v1 API."""
    parts = path.strip("/").split("/")
    return (len(parts) >= 4 and parts[:2] == ["v1", "communities"]
            and parts[3] == _COMMUNITY_THREADS)


def route(emulator: Any, method: str, path: str, query: dict, body: Any,
          headers: Any) -> tuple[int, Any, dict]:
    """Answer a thread request: (status, payload, headers). DirectoryError for 4xx."""
    parts = path.strip("/").split("/")
    community_id, rest = parts[2], parts[4:]
    emulator.directory.get_community(community_id)  # 404 for an unknown community
    start, count = _int(query, "startIndex", 1), _int(query, "count", 100)
    store: ThreadStore = emulator.threads
    if method == "GET" and not rest:
        return 200, store.list_threads(community_id, start, count), {}
    if not rest:
        if method != "POST":
            raise DirectoryError(405, "invalid_request", "GET or POST")
        return _write(emulator, headers, lambda key: emulator.portal_create_thread(
            community_id, idempotency_key=key, **_fields(body(), "title", "body", "tags",
                                                         "attachments")))
    thread = store.get_thread(rest[0])
    if thread["community_id"] != community_id:
        raise DirectoryError(404, "not_found", f"no thread {rest[0]} in {community_id}")
    if rest[1:] == [] and method == "GET":
        return 200, thread, {}
    if rest[1:] == ["posts"] and method == "GET":
        return 200, store.list_posts(rest[0], start, count), {}
    if rest[1:] == ["posts"] and method == "POST":
        return _write(emulator, headers, lambda key: emulator.portal_add_post(
            rest[0], idempotency_key=key, **_fields(body(), "body", "attachments")))
    raise DirectoryError(404, "not_found", f"no route for {method} {path}")


def _write(emulator: Any, headers: Any, write: Any) -> tuple[int, Any, dict]:
    key = headers.get("Idempotency-Key")
    if not key or len(key) > 200:
        raise DirectoryError(400, "invalid_request", "writes need an Idempotency-Key header")
    fault = emulator.write_faults.draw()
    if fault == "before":
        return 503, {"error": {"code": "unavailable", "message": "injected write failure"}}, {}
    result, created = write(key)
    if fault == "after":
        return 503, {"error": {"code": "unavailable", "message": "injected lost reply"}}, {}
    return (201 if created else 200), result, {}


def _fields(body: dict, *names: str) -> dict:
    unknown = set(body) - set(names)
    if unknown:
        raise DirectoryError(400, "invalid_request", f"unknown fields {sorted(unknown)}")
    return {name: body[name] for name in names if name in body}


def _int(query: dict, name: str, default: int) -> int:
    raw = query.get(name, [str(default)])[0]
    try:
        return int(raw)
    except ValueError:
        raise DirectoryError(400, "invalid_request", f"{name} must be an integer, got {raw!r}")
