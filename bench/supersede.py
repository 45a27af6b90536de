"""Bench: approving a new version of an asset 5,000 users in 500 organisations downloaded
creates their notices (and acknowledgement requests, and outbox rows) in bounded memory and
in <= 10 s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h12 .venv/bin/python bench/supersede.py

Creates a throwaway database (<name>_bench), a packaging asset with version 1 downloaded
once by every user (the real audit chain, appended in bulk), then at each size releases a
version 2 and runs `compliance.services.supersede` (what the task does): once under
tracemalloc for Python's peak memory (500 vs 5,000 users: it should not grow with the
audience, notices are written in batches of 1,000), once untraced for the time. Sending the
emails is the workers' job: the outbox rows are counted, not sent.
"""

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ["DEBUG"] = "0"  # DEBUG would keep every query in memory
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402


def build(users: int, orgs: int, tag: str):
    from accounts.models import User
    from assets.models import Asset, AssetKind, AssetVersion
    from audit import record_many
    from communities.models import Community, Membership, Partner, Publication

    kind, _ = AssetKind.objects.get_or_create(slug="packaging", defaults={"name": "Packaging"})
    now = timezone.now()
    asset = Asset.objects.create(asset_id=f"bench-{tag}", public_id=f"bench/{tag}",
                                 title=f"Bench box {tag}", kind=kind, version=1)
    v1 = AssetVersion.objects.create(asset=asset, version=1, number=1, created_at=now,
                                     review_state="approved", delivery_public_id="x/1")
    community = Community.objects.create(tg_id=f"COMM-{tag}", name=f"Bench {tag}")
    partners = Partner.objects.bulk_create(
        [Partner(tg_company_id=f"TGC-{tag}-{n}", name=f"Partner {tag} {n}")
         for n in range(orgs)])
    people = User.objects.bulk_create(
        [User(email=f"u{n}@{tag}.example") for n in range(users)])
    Membership.objects.bulk_create(
        [Membership(user=u, community=community, partner=partners[n % orgs],
                    role="partner_admin" if n < orgs else "member")
         for n, u in enumerate(people)])
    for start in range(0, users, 1000):
        record_many([{"action": "asset.downloaded", "actor": u, "target": asset,
                      "asset_version": 1, "community": community,
                      "partner": partners[(start + i) % orgs], "payload": {"preset": "original"}}
                     for i, u in enumerate(people[start:start + 1000])])
    v2 = AssetVersion.objects.create(asset=asset, version=2, number=2, created_at=now,
                                     review_state="approved", delivery_public_id="x/2")
    # Approved, released and published to the community: supersede tells only those who
    # still see the asset under the visibility rule (the publication writes its grants).
    Asset.objects.filter(pk=asset.pk).update(approved_version=v2, current_version=v2,
                                             version=2, approval_state="approved",
                                             release_public_id="x/2", release_version=2)
    asset.refresh_from_db()
    Publication.objects.create(community=community, asset=asset)
    return asset, v1, v2


RUNS = iter(range(1, 100))


def run(users: int, orgs: int, trace: bool) -> None:
    from cases import notifications as outbox
    from compliance import services
    from compliance.models import Acknowledgement
    from notifications.models import Notice

    asset, _, v2 = build(users, orgs, f"r{next(RUNS)}")
    queued = []
    real_queue = outbox.queue_ids
    outbox.queue_ids = queued.extend  # sending is the workers' job, not measured here
    try:
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        with transaction.atomic():
            told = services.supersede(asset, v2)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else float("nan")
        tracemalloc.stop()
    finally:
        outbox.queue_ids = real_queue
    print(f"{users:>6} {orgs:>5} {'traced' if trace else 'timed':>7} {told:>7} "
          f"{Acknowledgement.objects.filter(version=v2).count():>5} "
          f"{Notice.objects.filter(key=f'version:{v2.pk}').count():>7} {len(queued):>7} "
          f"{seconds:>8.2f} {peak:>9.1f}")
    if told != users:  # a bench that tells nobody measures nothing (it once did)
        raise SystemExit(f"supersede told {told} of {users} users: the bench is broken")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--orgs", type=int, default=500)
    args = parser.parse_args()
    test_name = f"{connection.settings_dict['NAME']}_bench"
    connection.settings_dict.setdefault("TEST", {})["NAME"] = test_name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        print(f"{'users':>6} {'orgs':>5} {'run':>7} {'told':>7} {'acks':>5} {'notices':>7} "
              f"{'emails':>7} {'seconds':>8} {'peak MiB':>9}")
        run(args.users // 10, args.orgs // 10, trace=True)  # warms imports and caches
        run(args.users // 10, args.orgs // 10, trace=True)
        run(args.users, args.orgs, trace=True)
        run(args.users, args.orgs, trace=False)
    finally:
        connection.creation.destroy_test_db(test_name, verbosity=0)


if __name__ == "__main__":
    main()
