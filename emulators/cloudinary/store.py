"""In-memory, thread-safe asset store of the Cloudinary emulator.

Resources live in two dicts (by ``(resource_type, type, public_id)`` and by ``asset_id``).
Every change bumps ``generation``; sorted query results are cached per generation by
:mod:`emulators.cloudinary.query`, so paging a large listing never re-sorts per page.

The delivery module codes against ``get``, ``find``, ``named_transformation`` and the
``Resource`` attributes documented on the class; keep them stable.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable

from .timefmt import iso

DEFAULT_NAMED_TRANSFORMATIONS = {
    "thumb": "c_fill,w_400,h_400",
    "web": "c_limit,w_1920",
}


class Resource:
    """One stored asset (the latest version) and its descriptive data.

    Stable attributes for other modules: ``public_id, resource_type, type, format, version,
    data, bytes, width, height, pages, asset_id, created_at`` (ISO string).
    Timestamps are kept as float epoch seconds in ``*_ts`` attributes.
    """

    __slots__ = (
        "asset_id", "public_id", "resource_type", "type", "format", "version", "version_id",
        "data", "bytes", "width", "height", "pages", "duration", "etag", "seq",
        "created_ts", "uploaded_ts", "updated_ts", "tags_ts", "context_ts", "metadata_ts",
        "public_id_ts", "tags", "context", "metadata", "moderation_kind",
        "moderation_status", "moderation_ts", "asset_folder", "display_name",
        "original_filename", "derived", "versions", "access_mode", "access_control",
        "custom_coordinates",
    )

    def __init__(self, **fields):
        self.tags: list[str] = []
        self.context: dict[str, str] = {}
        self.metadata: dict[str, object] = {}
        self.derived: list[dict] = []
        self.versions: list[dict] = []
        self.pages = 0
        self.duration = None
        self.width = 0
        self.height = 0
        self.moderation_kind = None
        self.moderation_status = None
        self.moderation_ts = None
        self.tags_ts = self.context_ts = self.metadata_ts = self.public_id_ts = None
        self.access_mode = "public"
        self.access_control = None  # validated rules (access.parse_access_control) or None
        self.custom_coordinates: list[list[int]] = []  # [[x, y, w, h]] (rendering.py)
        self.original_filename = ""
        self.seq = 0
        for name, value in fields.items():
            setattr(self, name, value)

    @property
    def created_at(self) -> str:
        """Creation time as the API shows it (``2026-11-26T10:00:00Z``)."""
        return iso(self.created_ts)

    @property
    def uploaded_at(self) -> str:
        """Time of the latest upload (overwrite) of the original."""
        return iso(self.uploaded_ts)

    @property
    def updated_at(self) -> str:
        """Time of the latest change of any kind."""
        return iso(self.updated_ts)

    @property
    def key(self) -> tuple[str, str, str]:
        """The store key ``(resource_type, type, public_id)``."""
        return (self.resource_type, self.type, self.public_id)

    @property
    def filename(self) -> str:
        """Last path segment of the public id (the search API's ``filename``)."""
        return self.public_id.rsplit("/", 1)[-1]

    def to_state(self) -> dict:
        """A JSON-able dict of everything but ``data`` (persisted separately)."""
        return {name: getattr(self, name) for name in self.__slots__ if name != "data"}


def new_asset_id(seed: str) -> str:
    """A 32-hex asset id; deterministic for a given seed string."""
    return hashlib.md5(seed.encode(), usedforsecurity=False).hexdigest()


def etag_of(data: bytes) -> str:
    """Cloudinary's etag is the MD5 of the stored bytes."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


class Store:
    """All resources, metadata field definitions and named transformations of one cloud."""

    def __init__(self):
        self.lock = threading.RLock()
        self.generation = 0
        self._by_key: dict[tuple[str, str, str], Resource] = {}
        self._by_asset_id: dict[str, Resource] = {}
        self._seq = 0
        self._last_ts = 0.0
        self.metadata_fields: dict[str, dict] = {}
        self.named_transformations: dict[str, str] = dict(DEFAULT_NAMED_TRANSFORMATIONS)
        # per named transformation: allowed_for_strict, unsafe_update history (derivatives.py)
        self.transformation_flags: dict[str, dict] = {}
        # the account's "Strict transformations" security setting (derivatives.py)
        self.strict_transformations = False
        # related assets, both directions: asset id -> asset ids (relations_api.py)
        self.related: dict[str, set[str]] = {}
        # every explicit/upload eager request, for tests (derivatives.py, FIDELITY.md)
        self.eager_requests: list[dict] = []
        self.folders: set[str] = set()  # created with the Folders API (see folders_api)
        self.listeners: list[Callable[[], None]] = []

    # -- clock and change tracking ------------------------------------------------------
    def now(self) -> float:
        """Current time, strictly increasing across calls so ``updated_at`` always advances."""
        with self.lock:
            ts = max(time.time(), self._last_ts + 0.001)
            self._last_ts = ts
            return ts

    def changed(self) -> None:
        """Invalidate cached query results and tell listeners (persistence) to save."""
        with self.lock:
            self.generation += 1
        for listener in list(self.listeners):
            listener()

    # -- reads used by every module (and by delivery.py) ------------------------------
    def get(self, resource_type: str, delivery_type: str, public_id: str) -> Resource | None:
        """The resource at ``resource_type/delivery_type/public_id`` or None."""
        return self._by_key.get((resource_type, delivery_type, public_id))

    def get_by_asset_id(self, asset_id: str) -> Resource | None:
        """The resource with this asset id or None."""
        return self._by_asset_id.get(asset_id)

    def find(self, resource_type=None, delivery_type=None, public_ids=None, prefixes=None,
             tags=None) -> list[Resource]:
        """Resources matching every given filter (any of public_ids / prefixes / tags)."""
        wanted_ids = set(public_ids) if public_ids else None
        wanted_tags = set(tags) if tags else None
        with self.lock:
            candidates = list(self._by_key.values())
        result = []
        for res in candidates:
            if resource_type and res.resource_type != resource_type:
                continue
            if delivery_type and res.type != delivery_type:
                continue
            if wanted_ids is not None and res.public_id not in wanted_ids:
                continue
            if prefixes and not any(res.public_id.startswith(p) for p in prefixes):
                continue
            if wanted_tags is not None and not wanted_tags.intersection(res.tags):
                continue
            result.append(res)
        result.sort(key=lambda r: r.seq)
        return result

    def named_transformation(self, name: str) -> str | None:
        """The definition of named transformation ``name`` (with or without ``t_``)."""
        if name.startswith("t_"):
            name = name[2:]
        return self.named_transformations.get(name)

    def all(self) -> list[Resource]:
        """A snapshot list of every resource, in insertion order."""
        with self.lock:
            return list(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)

    def tags(self, resource_type: str) -> list[str]:
        """Every distinct tag used by resources of ``resource_type``, sorted."""
        found: set[str] = set()
        for res in self.all():
            if res.resource_type == resource_type:
                found.update(res.tags)
        return sorted(found)

    # -- writes ----------------------------------------------------------------------
    def add(self, res: Resource, notify: bool = True) -> Resource:
        """Insert (or replace at the same key) a resource and index it."""
        with self.lock:
            old = self._by_key.get(res.key)
            if old is not None and old.asset_id != res.asset_id:
                self._by_asset_id.pop(old.asset_id, None)
            if not res.seq:
                self._seq += 1
                res.seq = self._seq
            else:
                self._seq = max(self._seq, res.seq)
            self._by_key[res.key] = res
            self._by_asset_id[res.asset_id] = res
        if notify:
            self.changed()
        return res

    def add_many(self, resources: Iterable[Resource]) -> int:
        """Insert many resources with one invalidation (used by bulk seeding and loading)."""
        count = 0
        for res in resources:
            self.add(res, notify=False)
            count += 1
        self.changed()
        return count

    def remove(self, res: Resource, notify: bool = True) -> None:
        """Delete a resource from every index."""
        with self.lock:
            self._by_key.pop(res.key, None)
            self._by_asset_id.pop(res.asset_id, None)
            for other in self.related.pop(res.asset_id, set()):
                self.related.get(other, set()).discard(res.asset_id)
        if notify:
            self.changed()

    def move(self, res: Resource, public_id: str, delivery_type: str | None = None) -> None:
        """Re-key a resource (rename); the asset id stays."""
        with self.lock:
            self._by_key.pop(res.key, None)
            res.public_id = public_id
            if delivery_type:
                res.type = delivery_type
            res.public_id_ts = res.updated_ts = self.now()
            self._by_key[res.key] = res
        self.changed()

    def clear(self) -> None:
        """Forget every resource (metadata fields and named transformations stay)."""
        with self.lock:
            self._by_key.clear()
            self._by_asset_id.clear()
        self.changed()
