"""The mirror's "new version" signal adds a system message to each open case on the asset."""

from assets.models import Asset
from assets.signals import asset_version_added
from cases import services
from tests import factories as f

NOTE = "A new version of this asset was published"


def test_a_new_version_adds_a_system_message_to_each_open_case(bob, alice, alice_asset, support,
                                                               open_case):
    # given: two open cases and a closed one on the asset, one open case on another asset
    first, second = open_case(bob, alice_asset), open_case(alice, alice_asset)
    closed = open_case(bob, alice_asset)
    services.case_close(case=closed, actor=bob)
    other = open_case(bob, f.PublicationFactory(community=bob.memberships.get().community).asset)
    version = f.AssetVersionFactory(asset=alice_asset)
    # when
    asset_version_added.send(sender=Asset, asset=alice_asset, version=version)
    # then
    for case in (first, second):
        system = case.messages.get(kind="system", body__startswith=NOTE)
        assert system.body == f"{NOTE} (v{version.version})."
    assert not closed.messages.filter(body__startswith=NOTE).exists()
    assert not other.messages.filter(body__startswith=NOTE).exists()


def test_the_same_version_is_announced_once(bob, alice_asset, open_case):
    # given
    case = open_case(bob, alice_asset)
    version = f.AssetVersionFactory(asset=alice_asset)
    # when
    asset_version_added.send(sender=Asset, asset=alice_asset, version=version)
    asset_version_added.send(sender=Asset, asset=alice_asset, version=version)
    # then
    assert case.messages.filter(body__startswith=NOTE).count() == 1


def test_partners_see_the_new_version_note_in_the_thread(bob, alice_asset, open_case,
                                                         client_for):
    # given
    case = open_case(bob, alice_asset)
    version = f.AssetVersionFactory(asset=alice_asset)
    asset_version_added.send(sender=Asset, asset=alice_asset, version=version)
    # when
    page = client_for(bob).get(f"/cases/{case.reference}/").content.decode()
    # then
    assert f"{NOTE} (v{version.version})." in page


def test_a_version_synced_from_cloudinary_notes_the_open_cases(
        bob, alice_asset, open_case, django_capture_on_commit_callbacks):
    # given: bob's open case, and Cloudinary now holding a newer version of the asset
    from django.db import transaction

    from assets.sync.mirror import upsert_resources

    case = open_case(bob, alice_asset)
    newer = alice_asset.version + 1
    resource = {"asset_id": alice_asset.asset_id, "public_id": alice_asset.public_id,
                "resource_type": "image", "type": "upload", "format": "jpg", "bytes": 1,
                "width": 10, "height": 10, "version": newer,
                "created_at": "2026-11-26T10:00:00Z", "moderation_status": "approved"}
    # when: the mirror syncs it and commits
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        upsert_resources([resource])
    # then
    assert case.messages.get(kind="system", body__startswith=NOTE).body == (
        f"{NOTE} (v{newer}).")
