"""The mirror's "new version" signal adds a system message to each open case on the asset."""

from assets.models import Asset
from assets.signals import asset_version_released
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
    asset_version_released.send(sender=Asset, asset=alice_asset, version=version)
    # then
    for case in (first, second):
        system = case.messages.get(kind="system", body__startswith=NOTE)
        assert system.body == f"{NOTE} ({version.label})."
    assert not closed.messages.filter(body__startswith=NOTE).exists()
    assert not other.messages.filter(body__startswith=NOTE).exists()


def test_the_same_version_is_announced_once(bob, alice_asset, open_case):
    # given
    case = open_case(bob, alice_asset)
    version = f.AssetVersionFactory(asset=alice_asset)
    # when
    asset_version_released.send(sender=Asset, asset=alice_asset, version=version)
    asset_version_released.send(sender=Asset, asset=alice_asset, version=version)
    # then
    assert case.messages.filter(body__startswith=NOTE).count() == 1


def test_partners_see_the_new_version_note_in_the_thread(bob, alice_asset, open_case,
                                                         client_for):
    # given
    case = open_case(bob, alice_asset)
    version = f.AssetVersionFactory(asset=alice_asset)
    asset_version_released.send(sender=Asset, asset=alice_asset, version=version)
    # when
    page = client_for(bob).get(f"/cases/{case.reference}/").content.decode()
    # then
    assert f"{NOTE} ({version.label})." in page


def test_a_synced_version_is_announced_once_partners_get_it_not_before(
        bob, content, alice_asset, open_case, django_capture_on_commit_callbacks):
    # given: bob's open case, and Cloudinary now holding a newer version of the asset
    from unittest import mock

    from django.db import transaction

    from assets import services as asset_services
    from assets.cloudinary import client
    from assets.sync.mirror import upsert_resources

    case = open_case(bob, alice_asset)
    newer = alice_asset.version + 1
    resource = {"asset_id": alice_asset.asset_id, "public_id": alice_asset.public_id,
                "resource_type": "image", "type": "upload", "format": "jpg", "bytes": 1,
                "width": 10, "height": 10, "version": newer, "etag": "e2",
                "created_at": "2026-11-26T10:00:00Z", "moderation_status": "approved"}
    # when: the mirror syncs it and commits
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        upsert_resources([resource])
    # then: not a word yet, since partners do not get an unreviewed version
    assert not case.messages.filter(body__startswith=NOTE).exists()
    # when: the content team approves it and Cloudinary makes its delivery copy
    alice_asset.refresh_from_db()
    answer = {"public_id": "partner-portal/releases/x/2-copy", "version": 9, "etag": "e2"}
    with mock.patch.object(client, "copy_to_delivery", autospec=True, return_value=answer), \
            mock.patch.object(client, "update_moderation", autospec=True), \
            mock.patch.object(client, "focal_point", autospec=True, return_value=None), \
            django_capture_on_commit_callbacks(execute=True):
        asset_services.version_set_approval(version=alice_asset.current_version,
                                            state="approved", actor=content)
    # then
    note = case.messages.get(kind="system", body__startswith=NOTE)
    assert note.body == f"{NOTE} ({alice_asset.current_version.label})."
