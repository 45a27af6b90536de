"""Full and delta syncs against the Cloudinary emulator, over real HTTP."""

import math
from io import StringIO

import cloudinary.api
import pytest
from django.core.management import call_command

from assets.models import ApprovalState, Asset, AssetVersion, SyncRun
from assets.sync import SyncAlreadyRunning, mirror, sync_delta, sync_full
from audit.models import Event
from tests.assets.conftest import catalog_snapshot

pytestmark = pytest.mark.django_db


def expected_catalog(emu):
    """asset_id → (line, campaign, kind, markets, approval) from the emulator's own store."""
    states = {"approved": "approved", "rejected": "rejected"}
    return {
        res.asset_id: (res.metadata["product_line"], res.metadata["campaign"],
                       res.metadata["asset_kind"].replace("_", "_"), sorted(res.metadata["market"]),
                       states.get(res.moderation_status, "pending"))
        for res in emu.store.all()
    }


def mirrored_catalog():
    return {row[0]: (row[6], row[7], row[8], row[12], row[5]) for row in catalog_snapshot()}


def test_a_full_sync_mirrors_ten_thousand_assets_within_the_call_budget(cloudinary_emulator):
    # given
    emu = cloudinary_emulator
    emu.seed_bulk(10_000)
    calls_before = emu.api_calls["total"]
    # when
    run = sync_full()
    # then
    calls = emu.api_calls["total"] - calls_before
    assert calls <= math.ceil(10_000 / 500) + 5
    assert run.state == SyncRun.State.SUCCEEDED
    assert (run.seen, run.created, run.api_calls) == (10_000, 10_000, calls)
    assert mirrored_catalog() == expected_catalog(emu)
    assert AssetVersion.objects.count() == 10_000
    assert not Asset.objects.filter(current_version__isnull=True).exists()
    assert Event.objects.filter(action="asset.synced").count() == 10_000

    # and when: a second run finds nothing to write
    events_before = Event.objects.count()
    stamps_before = list(Asset.objects.order_by("pk").values_list("synced_at", "updated_at"))
    second = sync_full()
    # then
    assert (second.created, second.updated, second.unchanged) == (0, 0, 10_000)
    assert list(Asset.objects.order_by("pk").values_list("synced_at", "updated_at")) == \
        stamps_before
    assert list(Event.objects.filter(sequence__gt=events_before).values_list(
        "action", flat=True)) == ["sync.completed"]


def test_an_asset_deleted_in_cloudinary_is_retired_not_deleted(cloudinary_emulator):
    # given
    cloudinary_emulator.seed_bulk(30)
    sync_full()
    gone = Asset.objects.order_by("public_id").first()
    cloudinary.api.delete_resources([gone.public_id])
    # when
    run = sync_full()
    # then
    gone.refresh_from_db()
    assert gone.retired and gone.retired_at
    assert run.retired == 1
    assert Asset.objects.live().count() == 29
    assert Event.objects.filter(action="asset.retired", target_id=str(gone.pk)).count() == 1


def test_a_sync_killed_half_way_resumes_and_ends_with_the_same_catalog(cloudinary_emulator,
                                                                       monkeypatch):
    # given: the run dies while mirroring its third page
    emu = cloudinary_emulator
    emu.seed_bulk(1_100)
    real_upsert, pages = mirror.upsert_resources, []

    def dying_upsert(resources, **kwargs):
        pages.append(len(resources))
        if len(pages) == 3:
            raise KeyboardInterrupt("killed")
        return real_upsert(resources, **kwargs)

    monkeypatch.setattr("assets.sync.runs.upsert_resources", dying_upsert)
    with pytest.raises(KeyboardInterrupt):
        sync_full(page_size=200)
    interrupted = SyncRun.objects.get()
    assert interrupted.state == SyncRun.State.INTERRUPTED
    assert Asset.objects.count() == 400
    # when
    monkeypatch.setattr("assets.sync.runs.upsert_resources", real_upsert)
    calls_before = emu.api_calls["total"]
    resumed = sync_full(page_size=200)
    # then: the same run continued from its checkpoint
    assert resumed.pk == interrupted.pk and resumed.attempts == 2
    assert emu.api_calls["total"] - calls_before == 4
    assert (resumed.seen, resumed.created) == (1_100, 1_100)
    resumed_catalog = catalog_snapshot()

    # and: an uninterrupted run from scratch mirrors exactly the same catalog
    AssetVersion.objects.all().delete()
    Asset.objects.all().delete()
    sync_full(page_size=200)
    assert catalog_snapshot() == resumed_catalog
    assert len(resumed_catalog) == 1_100


def test_a_low_rate_limit_makes_the_sync_wait_for_the_reset(cloudinary_emulator, settings):
    # given: 3 calls per 5-second window, and 6 pages to fetch (the window is wide enough
    # that a loaded machine still makes 3 calls inside one and has to wait)
    emu = cloudinary_emulator
    emu.seed_bulk(1_200)
    emu.rate_limiter.limit = 3
    emu.rate_limit_window_seconds = 5
    settings.CLOUDINARY_RATE_LIMIT_MAX_WAIT = 15
    # when
    run = sync_full(page_size=200)
    # then
    assert run.state == SyncRun.State.SUCCEEDED
    assert Asset.objects.count() == 1_200
    from assets.cloudinary import client
    assert client.budget.waited > 0


def test_a_rate_limit_longer_than_allowed_fails_the_run_and_says_why(cloudinary_emulator,
                                                                     settings):
    # given
    cloudinary_emulator.seed_bulk(10)
    cloudinary_emulator.exhaust_rate_limit()
    settings.CLOUDINARY_RATE_LIMIT_MAX_WAIT = 0
    # when
    with pytest.raises(Exception, match="Rate Limit Exceeded"):
        sync_full()
    # then
    run = SyncRun.objects.get()
    assert run.state == SyncRun.State.FAILED
    assert "Rate Limit Exceeded" in run.error


def test_a_fifth_of_calls_failing_loses_and_duplicates_nothing(cloudinary_emulator,
                                                               no_waiting):
    # given
    emu = cloudinary_emulator
    emu.seed_bulk(3_000)
    emu.faults.fail_rate = 0.2
    emu.faults.fail_codes = (500, 502, 503)
    # when
    run = sync_full()
    # then
    assert run.state == SyncRun.State.SUCCEEDED
    assert Asset.objects.count() == 3_000
    assert Asset.objects.values("public_id").distinct().count() == 3_000
    assert AssetVersion.objects.count() == 3_000
    assert mirrored_catalog() == expected_catalog(emu)


def test_it_refuses_to_run_twice_at_once(cloudinary_emulator):
    # given
    SyncRun.objects.create(kind=SyncRun.Kind.DELTA, state=SyncRun.State.RUNNING)
    # when / then
    with pytest.raises(SyncAlreadyRunning):
        sync_full()
    assert SyncRun.objects.count() == 1


def test_a_delta_sync_picks_up_changes_after_the_watermark(cloudinary_emulator):
    # given
    emu = cloudinary_emulator
    emu.seed_bulk(600)
    sync_full()
    changed = Asset.objects.order_by("public_id").first()
    cloudinary.api.update(changed.public_id, tags=["line:summit", "kind:banner"])
    cloudinary.api.update(changed.public_id, metadata={"product_line": "summit",
                                                       "asset_kind": "banner"})
    calls_before = emu.api_calls["total"]
    # when
    run = sync_delta()
    # then
    changed.refresh_from_db()
    assert run.state == SyncRun.State.SUCCEEDED and run.updated >= 1
    assert emu.api_calls["total"] - calls_before == 1
    assert (changed.product_line.slug, changed.kind.slug) == ("summit", "banner")
    assert changed.tags == ["kind:banner", "line:summit"]


def test_new_assets_arrive_pending_unless_cloudinary_approved_them(cloudinary_emulator):
    # given
    cloudinary_emulator.seed_bulk(200)
    # when
    sync_full()
    # then
    for res in cloudinary_emulator.store.all():
        state = Asset.objects.get(asset_id=res.asset_id).approval_state
        if res.moderation_status == "approved":
            assert state == ApprovalState.APPROVED
        elif res.moderation_status == "pending":
            assert state == ApprovalState.PENDING


def test_the_command_shows_progress_and_counts(cloudinary_emulator):
    # given
    cloudinary_emulator.seed_bulk(700)
    out = StringIO()
    # when
    call_command("sync_assets", "--full", stdout=out)
    # then
    text = out.getvalue()
    assert "100%" in text
    assert "created 700" in text
    assert Asset.objects.count() == 700


def test_a_full_sync_queues_delivery_work_in_batches_not_one_message_per_asset(
        cloudinary_emulator, settings, django_capture_on_commit_callbacks):
    # given: 1,200 public masters to restrict (token-based access configured)
    from unittest import mock

    from assets import releases, tasks

    settings.CLOUDINARY_AUTH_TOKEN_KEY = "d3a1f00dcafe0123456789abcdef0123"
    settings.CLOUDINARY_RESTRICT_MASTERS = True
    cloudinary_emulator.seed_bulk(1_200)
    # when
    with mock.patch.object(tasks.deliver_assets, "delay") as batch, \
            mock.patch.object(tasks.deliver_asset, "delay") as single, \
            django_capture_on_commit_callbacks(execute=True):
        sync_full()
    # then: every flagged asset in exactly one batch of at most 50; pages of 500, 500 and
    # 200 make 10 + 10 + 4 messages, not 1,200
    batches = [c.args[0] for c in batch.call_args_list]
    flagged = set(Asset.objects.filter(delivery_pending=True).values_list("pk", flat=True))
    assert len(flagged) == 1_200
    assert sorted(pk for b in batches for pk in b) == sorted(flagged)
    assert max(map(len, batches)) == releases.DELIVERY_BATCH
    assert len(batches) == 24 and not single.called
