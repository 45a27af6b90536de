"""Bench: `export_audit` runs in constant memory (10,000 vs 100,000 events).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/audit_dev \
        .venv/bin/python bench/audit_export.py [--events 100000]

Creates a throwaway database (<name>_bench on PostgreSQL, a temporary file on
SQLite), appends events with audit.record_many in batches (the real chain),
then at each size runs `manage.py export_audit --output FILE` in a child
process and reports the child's peak resident memory (wait4's ru_maxrss) and
time, next to a child exporting nothing (Django's own footprint). Drops the
database at the end.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ["DEBUG"] = "0"  # DEBUG would keep every query in memory
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from audit import record_many  # noqa: E402
from audit.models import Event  # noqa: E402

BATCH = 5000
ACTIONS = ["asset.synced", "asset.approved", "asset.published", "asset.downloaded",
           "asset.acknowledged"]


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def _fixtures():
    from accounts.models import User
    from assets.models import Asset
    from communities.models import Community, Partner

    user = User.objects.create_user("bench@partner.example")
    asset = Asset.objects.create(asset_id="bench-asset", public_id="bench/asset",
                                 title="Bench asset")
    partner = Partner.objects.create(tg_company_id="TGC-BENCH", name="Bench Partner AG")
    community = Community.objects.create(tg_id="COMM-BENCH", name="Bench Community")
    return user, asset, partner, community


def fill_to(total: int, fixtures) -> float:
    user, asset, partner, community = fixtures
    started = time.perf_counter()
    while (have := Event.objects.count()) < total:
        size = min(BATCH, total - have)
        record_many([
            {"action": ACTIONS[(have + n) % len(ACTIONS)], "actor": user, "target": asset,
             "partner": partner, "community": community, "asset_version": 1_700_000_000 + n,
             "payload": {"preset": "web-1920", "n": have + n, "note": "x" * 40}}
            for n in range(size)
        ])
    return time.perf_counter() - started


def export_in_child(out: Path, fmt: str, *extra: str) -> tuple[float, float, int]:
    """(peak RSS in MiB, seconds, bytes written) of one `manage.py export_audit` process."""
    env = {**os.environ, "DATABASE_URL": _database_url()}
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "manage.py", "export_audit", "--format", fmt,
                              "--output", str(out), *extra], cwd=ROOT, env=env,
                             stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"export failed: {child.stderr.read().decode()}")
    return usage.ru_maxrss / 1024, seconds, out.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="audit-bench-"))
    test_name = (str(workdir / "bench.sqlite3") if connection.vendor == "sqlite"
                 else f"{connection.settings_dict['NAME']}_bench")
    connection.settings_dict.setdefault("TEST", {})["NAME"] = test_name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        fixtures = _fixtures()
        rss, secs, size = export_in_child(workdir / "none.csv", "csv", "--until", "2000-01-01")
        print(f"{'events':>8} {'format':>6} {'peak RSS MiB':>13} {'seconds':>8} {'output MiB':>11}")
        print(f"{0:>8} {'csv':>6} {rss:>13.1f} {secs:>8.1f} {size / 2**20:>11.1f}")
        for total in (args.small, args.events):
            filled = fill_to(total, fixtures)
            print(f"  (appended up to {total} events in {filled:.1f}s)")
            for fmt in ("csv", "json"):
                rss, secs, size = export_in_child(workdir / f"{total}.{fmt}", fmt)
                print(f"{total:>8} {fmt:>6} {rss:>13.1f} {secs:>8.1f} {size / 2**20:>11.1f}")
        started = time.perf_counter()
        from audit.verify import verify_chain

        result = verify_chain()
        print(f"verify_chain: {result.describe()} in {time.perf_counter() - started:.1f}s")
    finally:
        connection.creation.destroy_test_db(test_name, verbosity=0)
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
