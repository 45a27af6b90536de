"""Fixtures for the emulator tests: an in-process Cloudinary and the SDK pointed at it.

No Django and no database: run with ``pytest tests/emulators -p no:django``.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cloudinary
import pytest

from emulators.cloudinary import CloudinaryEmulator


def configure_sdk(emu: CloudinaryEmulator) -> None:
    """Point the global SDK config at ``emu``."""
    cloudinary.reset_config()
    cloudinary.config(**emu.sdk_config())


@pytest.fixture(autouse=True)
def _sdk_config_given_back():
    """Put back the SDK configuration these tests replace (``reset_config`` swaps the global
    object): a portal test scheduled later on the same worker must find its own."""
    saved = cloudinary._config
    yield
    cloudinary._config = saved


@pytest.fixture
def emulator():
    """An empty emulator (taxonomy fields defined) with the SDK configured; reset after."""
    emu = CloudinaryEmulator(seed="empty").start()
    configure_sdk(emu)
    yield emu
    emu.stop()
    cloudinary.reset_config()


@pytest.fixture(scope="session")
def demo_emulator():
    """One demo-seeded emulator shared by read-only tests (seeding takes seconds)."""
    emu = CloudinaryEmulator(seed="demo").start()
    yield emu
    emu.stop()


@pytest.fixture
def demo(demo_emulator):
    """The shared demo emulator with the SDK configured for it (do not modify it)."""
    configure_sdk(demo_emulator)
    demo_emulator.faults.reset()
    yield demo_emulator
    cloudinary.reset_config()


class Receiver:
    """A tiny webhook receiver recording ``(headers, raw body)``; answers ``status``."""

    def __init__(self, status: int = 200):
        self.status = status
        self.requests: list[tuple[dict, str]] = []
        self.event = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8")
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                receiver.event.set()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/cloudinary/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def payloads(self) -> list[dict]:
        """Decoded bodies received so far."""
        return [json.loads(body) for _, body in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    """A running webhook receiver."""
    rec = Receiver()
    yield rec
    rec.close()
