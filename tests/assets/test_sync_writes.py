"""What a full sync writes (issue #17): each new row once, unchanged rows never, one audit
event per created asset in an intact chain, and a crash mid-page that resumes cleanly."""

import re
import time

import cloudinary.api
import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assets.models import Asset, AssetVersion, SyncRun, SyncRunPage
from assets.sync import sync_full
from audit.models import Event
from audit.verify import verify_chain
from tests.assets.conftest import catalog_snapshot

pytestmark = pytest.mark.django_db

CATALOG_WRITE = re.compile(
    r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?assets_asset(version)?"?\s', re.I)


def created_events_per_asset() -> dict[int, int]:
    return dict(Event.objects.filter(action="asset.synced", payload__created=True)
                .values("asset_id").annotate(n=Count("sequence")).values_list("asset_id", "n"))


def test_a_bulk_sync_leaves_an_intact_chain_with_one_created_event_per_asset(
        cloudinary_emulator):
    # given: more events per page than one SQLite statement holds (999 parameters)
    cloudinary_emulator.seed_bulk(1_200)
    # when
    run = sync_full()
    # then
    result = verify_chain()
    assert result.ok, result.describe()
    assert result.checked == Event.objects.count()
    created = created_events_per_asset()
    assert run.created == 1_200
    assert sorted(created) == sorted(Asset.objects.values_list("pk", flat=True))
    assert set(created.values()) == {1}


def test_each_new_asset_and_version_is_written_once_pointing_at_each_other(
        cloudinary_emulator):
    # given
    cloudinary_emulator.seed_bulk(600)
    # when
    with CaptureQueriesContext(connection) as queries:
        sync_full()
    # then: no UPDATE of a row the sync itself inserted (three pages: INSERTs only, or
    # COPY on PostgreSQL, which the captured queries do not show)
    writes = [q["sql"] for q in queries.captured_queries if CATALOG_WRITE.match(q["sql"])]
    assert not [w for w in writes if not w.lstrip().upper().startswith("INSERT")]
    pending = set(Asset.objects.filter(approval_state="approved")
                  .values_list("pk", flat=True))
    assert set(Asset.objects.filter(delivery_pending=True).values_list("pk", flat=True)) \
        == pending
    for asset in Asset.objects.select_related("current_version"):
        assert (asset.current_version.asset_id, asset.current_version.version) == \
            (asset.pk, asset.version)
    assert AssetVersion.objects.count() == 600


def test_an_unchanged_resync_writes_no_asset_or_version_row(cloudinary_emulator):
    # given
    cloudinary_emulator.seed_bulk(1_100)
    sync_full()
    before = _row_stamps()
    # when
    with CaptureQueriesContext(connection) as queries:
        second = sync_full()
    # then
    assert (second.created, second.updated, second.unchanged) == (0, 0, 1_100)
    sql = [q["sql"] for q in queries.captured_queries]
    assert [s for s in sql if CATALOG_WRITE.match(s)] == []
    assert not [s for s in sql if "FOR UPDATE" in s.upper()]
    assert _row_stamps() == before


def _row_stamps():
    """Each row's synced/updated times and, on PostgreSQL, its xmin (changes on any write,
    a row lock included)."""
    stamps = list(Asset.objects.order_by("pk").values_list("pk", "synced_at", "updated_at"))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, xmin::text FROM assets_asset ORDER BY id")
            stamps.append(cursor.fetchall())
            cursor.execute("SELECT id, xmin::text FROM assets_assetversion ORDER BY id")
            stamps.append(cursor.fetchall())
    return stamps


def test_a_crash_mid_page_resumes_to_the_uninterrupted_catalog_without_duplicate_events(
        cloudinary_emulator, monkeypatch):
    # given: a mirrored catalog of 600, then 500 newer assets, and two of the 600 gone
    emu = cloudinary_emulator
    emu.seed_bulk(600)
    sync_full(page_size=200)
    emu.seed_bulk(500, prefix="newer", start_ts=time.time())
    gone = [Asset.objects.order_by("cloudinary_created_at")[i] for i in (0, 450)]
    cloudinary.api.delete_resources([a.public_id for a in gone])
    # and: the fourth page (all new assets) dies after its asset and version rows are
    # written, before its audit events: its transaction rolls back
    from assets.sync import mirror

    real_record_many, calls = mirror.record_many, []

    def dying_record_many(events):
        calls.append(len(events))
        if len(calls) == 4:
            raise RuntimeError("worker lost mid-page")
        return real_record_many(events)

    monkeypatch.setattr(mirror, "record_many", dying_record_many)
    with pytest.raises(RuntimeError):
        sync_full(page_size=200)
    interrupted = SyncRun.objects.get(state=SyncRun.State.FAILED)
    assert interrupted.pages == 3 and interrupted.created == 2
    assert SyncRunPage.objects.filter(run=interrupted).count() == 3
    assert Asset.objects.count() == 602
    # when
    monkeypatch.setattr(mirror, "record_many", real_record_many)
    resumed = sync_full(page_size=200)
    # then: the same run finished and retired exactly the two that left Cloudinary
    assert resumed.pk == interrupted.pk and resumed.state == SyncRun.State.SUCCEEDED
    assert (resumed.seen, resumed.created, resumed.retired) == (1_098, 500, 2)
    assert set(Asset.objects.filter(retired=True).values_list("pk", flat=True)) == \
        {a.pk for a in gone}
    created = created_events_per_asset()
    assert len(created) == 1_100 and set(created.values()) == {1}
    assert Event.objects.filter(action="asset.retired").count() == 2
    assert verify_chain().ok
    assert not SyncRunPage.objects.exists()  # kept only until the run has finished
    resumed_catalog = [row for row in catalog_snapshot() if not row[4]]

    # and: an uninterrupted run from scratch mirrors exactly the same live catalog
    AssetVersion.objects.all().delete()
    Asset.objects.all().delete()
    sync_full(page_size=200)
    assert catalog_snapshot() == resumed_catalog


def test_a_clean_run_retires_what_disappeared_and_keeps_what_a_webhook_wrote_meanwhile(
        cloudinary_emulator, monkeypatch):
    # given
    emu = cloudinary_emulator
    emu.seed_bulk(700)
    sync_full()
    gone = list(Asset.objects.order_by("pk")[::100])
    cloudinary.api.delete_resources([a.public_id for a in gone])
    from assets.sync import runs

    real_finish = runs._finish

    def webhook_then_finish(run):
        # an asset mirrored by a notification while the run was paging, not in its pages
        Asset.objects.filter(pk=gone[0].pk).update(synced_at=timezone.now())
        real_finish(run)

    monkeypatch.setattr(runs, "_finish", webhook_then_finish)
    # when
    run = sync_full()
    # then
    retired = set(Asset.objects.filter(retired=True).values_list("pk", flat=True))
    assert retired == {a.pk for a in gone[1:]}
    assert run.retired == len(gone) - 1 == 6
    assert Event.objects.filter(action="asset.retired").count() == 6
    assert verify_chain().ok
