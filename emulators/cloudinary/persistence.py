"""Saving the store to ``--state DIR`` and loading it back.

Layout: ``DIR/state.json`` (resources without bytes, metadata fields, named transformations)
and ``DIR/blobs/<md5>`` (original bytes, content-addressed by the etag). Writes are debounced
(one save per burst of changes), go to a temporary file and are renamed into place, so a
crash never leaves a half-written state.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path

from .store import Resource, Store

log = logging.getLogger(__name__)
STATE_FILE = "state.json"
FORMAT_VERSION = 1


class Persister:
    """Watches a store and writes it to ``directory`` shortly after each change."""

    def __init__(self, store: Store, directory: str | os.PathLike, debounce: float = 0.3):
        self.store = store
        self.directory = Path(directory)
        self.blobs = self.directory / "blobs"
        self.debounce = debounce
        self._dirty = threading.Event()
        self._stopping = False
        self._written: set[str] = set()
        self._save_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="cld-persist", daemon=True)

    def load(self) -> bool:
        """Fill the store from disk; False when there is no saved state."""
        path = self.directory / STATE_FILE
        if not path.exists():
            return False
        state = json.loads(path.read_text("utf-8"))
        self.store.metadata_fields.update({f["external_id"]: f for f in state["metadata_fields"]})
        self.store.named_transformations.update(state.get("named_transformations", {}))
        self.store.folders.update(state.get("folders", []))
        self.store.transformation_flags.update(state.get("transformation_flags", {}))
        self.store.strict_transformations = bool(state.get("strict_transformations", False))
        self.store.related.update({k: set(v) for k, v in state.get("related", {}).items()})
        resources = []
        for item in state["resources"]:
            blob = self.blobs / item["etag"]
            data = blob.read_bytes() if blob.exists() else b""
            self._written.add(item["etag"])
            resources.append(Resource(**item, data=data))
        self.store.add_many(resources)
        return True

    def start(self) -> None:
        """Begin watching the store."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.blobs.mkdir(exist_ok=True)
        self.store.listeners.append(self._dirty.set)
        self._thread.start()

    def stop(self) -> None:
        """Write any pending change and stop."""
        self._stopping = True
        self._dirty.set()
        self._thread.join(timeout=10)
        if self._dirty.is_set():
            self.save()

    def save(self) -> None:
        """Write the whole state now (atomically)."""
        with self._save_lock:
            self._dirty.clear()
            with self.store.lock:
                resources = self.store.all()
                items = [res.to_state() for res in resources]
                fields = list(self.store.metadata_fields.values())
                named = dict(self.store.named_transformations)
                folders = sorted(self.store.folders)
                extra = {"transformation_flags": dict(self.store.transformation_flags),
                         "strict_transformations": self.store.strict_transformations,
                         "related": {k: sorted(v) for k, v in self.store.related.items() if v}}
            for res in resources:
                if res.etag not in self._written:
                    self._atomic_write(self.blobs / res.etag, res.data or b"")
                    self._written.add(res.etag)
            state = {"format": FORMAT_VERSION, "resources": items, "metadata_fields": fields,
                     "named_transformations": named, "folders": folders, **extra}
            self._atomic_write(self.directory / STATE_FILE,
                               json.dumps(state, separators=(",", ":")).encode("utf-8"))

    @staticmethod
    def _atomic_write(path: Path, data: bytes) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def _run(self) -> None:
        while not self._stopping:
            self._dirty.wait()
            if self._stopping:
                break
            time.sleep(self.debounce)  # let a burst of changes settle into one write
            try:
                self.save()
            except OSError:
                log.exception("could not save emulator state to %s", self.directory)
