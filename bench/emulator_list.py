"""Benchmark: list 100,000 emulated assets through the real SDK (Admin API and Search API).

    .venv/bin/python bench/emulator_list.py [--count 100000]

Prints wall time and call counts per listing (timed without tracing), the time to seed, the
process's peak RSS, and the tracemalloc peak of one more Search listing pass run under
tracemalloc (the emulator runs in-process, so both figures include the SDK client).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cloudinary  # noqa: E402
import cloudinary.api  # noqa: E402
from cloudinary import Search  # noqa: E402

from emulators.cloudinary import CloudinaryEmulator  # noqa: E402


def list_admin() -> tuple[int, int]:
    """Page through ``resources`` 500 at a time; returns (assets, calls)."""
    seen, calls, cursor = set(), 0, None
    while True:
        page = cloudinary.api.resources(max_results=500, next_cursor=cursor, tags=True)
        calls += 1
        seen.update(r["asset_id"] for r in page["resources"])
        cursor = page.get("next_cursor")
        if not cursor:
            return len(seen), calls


def list_search() -> tuple[int, int]:
    """Page through the Search API 500 at a time, oldest change first (delta-sync order)."""
    seen, calls, cursor = set(), 0, None
    while True:
        search = Search().max_results(500).sort_by("updated_at", "asc").with_field("tags") \
            .with_field("context").with_field("metadata")
        if cursor:
            search = search.next_cursor(cursor)
        page = search.execute()
        calls += 1
        seen.update(r["asset_id"] for r in page["resources"])
        cursor = page.get("next_cursor")
        if not cursor:
            return len(seen), calls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    count = parser.parse_args().count
    emu = CloudinaryEmulator(seed="empty").start()
    cloudinary.config(**emu.sdk_config())
    started = time.perf_counter()
    emu.seed_bulk(count)
    print(f"seed_bulk({count}): {time.perf_counter() - started:.2f} s")
    for name, lister in (("admin resources()", list_admin), ("search", list_search)):
        started = time.perf_counter()
        assets, calls = lister()
        elapsed = time.perf_counter() - started
        print(f"{name:18s}: {assets} assets in {calls} calls, {elapsed:.2f} s "
              f"({elapsed / calls * 1000:.1f} ms/call)")
        assert assets == count, f"{name} saw {assets} of {count}"
    tracemalloc.start()
    list_search()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"emulator api_calls: {dict(emu.api_calls)}")
    print(f"peak RSS: {rss_mb:.0f} MiB; tracemalloc peak during a search listing pass: "
          f"{peak / 2**20:.0f} MiB")
    emu.stop()


if __name__ == "__main__":
    main()
