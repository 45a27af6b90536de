"""Benchmark: a full sync of N emulated assets against just fetching the pages (the floor).

    DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python bench/sync.py [N]

Uses a throwaway SQLite database (or DATABASE_URL), a Cloudinary emulator subprocess,
and prints wall time, Admin/Search API calls (as the client counted them) and the peak
RSS of this process (the emulator runs in its own process) for both. Default N = 100,000.
"""

import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from portal.celery import app  # noqa: E402

# A worker's sync queues the delivery work it finds (releases, restrictions) for other
# workers; run inline (eager) it would be measured as part of the sync. Tasks go to the
# broker in CELERY_BROKER_URL (purged afterwards) or to an in-process memory broker.
app.conf.task_always_eager = False
app.conf.broker_url = os.environ.get("CELERY_BROKER_URL") or "memory://"

from django.core.management import call_command  # noqa: E402

from assets import cloudinary as portal_cloudinary  # noqa: E402
from assets.cloudinary import client  # noqa: E402
from assets.models import Asset  # noqa: E402
from assets.sync import sync_full  # noqa: E402


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(label, fn):
    calls = client.budget.calls
    started = time.perf_counter()
    result = fn()
    wall = time.perf_counter() - started
    print(f"{label:<22} wall {wall:8.1f}s  API calls {client.budget.calls - calls:5d}  "
          f"peak RSS so far {peak_rss_mib():7.1f} MiB  {result}", flush=True)


def fetch_only():
    cursor, seen = None, 0
    while True:
        page = client.search_page(cursor=cursor)
        seen += len(page.resources)
        if not page.next_cursor:
            return f"{seen} fetched"
        cursor = page.next_cursor


def start_emulator(n: int) -> tuple[subprocess.Popen, str]:
    """The emulator in its own process, so its memory and CPU are not counted here."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "emulators.cloudinary", "--port", str(port), "--cloud", "bench",
         "--key", "k", "--secret", "s", "--seed", "empty", "--seed-count", str(n)],
        cwd=Path(__file__).resolve().parent.parent, stdout=subprocess.DEVNULL)
    url = f"cloudinary://k:s@bench?upload_prefix=http://127.0.0.1:{port}" \
          f"&cname=127.0.0.1:{port}&secure=false"
    portal_cloudinary.configure(url)
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            if client.search_page(max_results=0).total_count == n:
                return process, url
        except (OSError, client.CloudinaryError):
            time.sleep(0.5)
    process.terminate()
    raise SystemExit("the emulator did not come up")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    call_command("migrate", verbosity=0)
    process, _ = start_emulator(n)
    try:
        print(f"{n} assets; database {os.environ['DATABASE_URL'].split('@')[-1]}; "
              f"baseline RSS {peak_rss_mib():.1f} MiB", flush=True)
        measure("fetch pages (floor)", fetch_only)
        measure("full sync", lambda: f"{sync_full().created} created")
        measure("fetch pages (floor)", fetch_only)
        measure("second full sync", lambda: f"{sync_full().unchanged} unchanged")
        measure("fetch pages (floor)", fetch_only)
        print(f"catalog rows: {Asset.objects.count()}")
    finally:
        app.control.purge()
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
