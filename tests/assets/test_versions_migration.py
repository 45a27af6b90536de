"""The governed-versions migration carries a copy of the demo catalog over.

The demo cloud's 293 resources are written as the portal held them before the migration
(approval on the asset, versions without review states), then migrated forward.
"""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("assets", "0004_stored_search_vector")]
AFTER = [("assets", "0005_governed_versions")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _demo_resources():
    from emulators.cloudinary import CloudinaryEmulator

    emu = CloudinaryEmulator(cloud="demo", seed="demo").start()
    try:
        return sorted(emu.store.all(), key=lambda r: r.public_id)
    finally:
        emu.stop()


@pytest.fixture
def latest_schema_after():
    """Later transactional tests on this worker need every app's newest migration again
    (stepping assets back unapplies later assets migrations and those depending on them)."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_the_demo_catalog_over(latest_schema_after):
    # given: the demo catalog as the portal held it before per-version review
    old = _migrate(BEFORE)
    Asset, AssetVersion = old.get_model("assets", "Asset"), old.get_model("assets", "AssetVersion")
    User = old.get_model("accounts", "User")
    reviewer = User.objects.create(email="content@brand.example", is_staff=True)
    when = datetime(2026, 11, 1, tzinfo=UTC)
    expected = {}
    for i, res in enumerate(_demo_resources()):
        state = res.moderation_status if res.moderation_status in ("approved", "rejected") \
            else "pending"
        asset = Asset.objects.create(
            asset_id=res.asset_id, public_id=res.public_id, resource_type=res.resource_type,
            delivery_type=res.type, format=res.format or "", width=res.width or None,
            height=res.height or None, version=res.version, tags=list(res.tags or []),
            approval_state=state, approval_at=when if state != "pending" else None,
            approval_by=reviewer if state == "approved" else None,
            approval_reason="ok" if state == "approved" else "")
        versions = [res.version - 100, res.version] if i % 7 == 0 else [res.version]
        for number in versions:
            current = AssetVersion.objects.create(asset=asset, version=number, format="png",
                                                  created_at=when)
        asset.current_version = current
        asset.save(update_fields=["current_version"])
        expected[res.asset_id] = (state, len(versions))
    assert len(expected) == 293
    # when
    new = _migrate(AFTER)
    # then: each asset's current version carries its state; older ones are superseded
    Asset = new.get_model("assets", "Asset")
    for asset in Asset.objects.all():
        state, count = expected[asset.asset_id]
        versions = list(asset.versions.order_by("version"))
        assert [v.number for v in versions] == list(range(1, count + 1))
        current = versions[-1]
        assert current.pk == asset.current_version_id
        assert current.review_state == state
        assert all(v.review_state == "superseded" for v in versions[:-1])
        if state == "approved":
            assert (current.reviewed_by_id, current.reviewed_at) == (reviewer.pk, when)
            assert asset.delivery_pending and asset.updated_at == when
        assert asset.approved_version_id is None  # until the delivery sweep releases it
    states = {s for s, _ in expected.values()}
    assert states == {"approved", "rejected", "pending"}


@pytest.fixture(autouse=True)
def _latest_schema_afterwards():
    """Stepping assets back unapplies every later migration that depends on it (cases, ...);
    migrate to the full graph again so later tests in this process find their tables."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
