"""ZIP entries carry the asset and the preset (issue #14): the images go into Cloudinary's
archive as ZIP copies named ``<asset>_<preset>`` (assets.zip_copies), through the real SDK
against the emulator over HTTP."""

import io
import zipfile
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.urls import reverse
from PIL import Image

from assets.cloudinary import client
from assets.models import AssetVersion
from tests import factories as f
from tests.catalog.fixtures import ensure_default_presets
from tests.catalog.media import asset_from_upload, upload_image


@pytest.fixture
def presets(db):
    return ensure_default_presets()


def _image(public_id, eu_retailers, title, size=(1600, 1200)):
    asset = asset_from_upload(upload_image(public_id, *size, "authenticated"), title=title)
    f.PublicationFactory(community=eu_retailers, asset=asset)
    return asset


@pytest.fixture
def ridge_runner(cloudinary_emulator, eu_retailers):
    return _image("kestrel/trail/ridge-runner-box", eu_retailers, "Ridge Runner box")


def _zip_location(client, assets, preset):
    response = client.post(reverse("assets:download_zip"),
                           {"asset": [a.pk for a in assets], "preset": preset})
    assert response.status_code == 302
    return response["Location"]


def _entries(location):
    served = requests.get(location, timeout=10)
    assert served.status_code == 200, served.text
    archive = zipfile.ZipFile(io.BytesIO(served.content))
    return {name: archive.read(name) for name in archive.namelist()}


def test_a_zip_entry_is_named_after_the_asset_and_the_preset_and_rendered_by_it(
        client_for, bob, ridge_runner, presets):
    # when
    location = _zip_location(client_for(bob), [ridge_runner], "web-1200-webp")
    entries = _entries(location)
    # then: the preset's name, its format and its size; no transformation in the link
    assert list(entries) == ["ridge-runner-box_web-1200.webp"]
    picture = Image.open(io.BytesIO(entries["ridge-runner-box_web-1200.webp"]))
    assert (picture.format, picture.size) == ("WEBP", (1200, 900))
    assert "transformations" not in parse_qs(urlsplit(location).query)


def test_two_assets_of_one_name_get_distinct_entries_that_both_carry_the_preset(
        client_for, bob, cloudinary_emulator, eu_retailers, presets):
    # given: two different assets whose files are both called "hero"
    trail = _image("kestrel/trail/hero", eu_retailers, "Hero")
    road = _image("kestrel/road/hero", eu_retailers, "Hero")
    # when
    names = sorted(_entries(_zip_location(client_for(bob), [trail, road], "web-1920-jpg")))
    # then: told apart by their folders, each still carrying the preset
    assert names == ["hero_road_web-1920.jpg", "hero_trail_web-1920.jpg"]


def test_same_names_in_same_named_folders_are_told_apart_by_the_asset(
        client_for, bob, cloudinary_emulator, eu_retailers, presets):
    # given
    first = _image("kestrel/2025/trail/hero", eu_retailers, "Hero")
    second = _image("kestrel/2026/trail/hero", eu_retailers, "Hero")
    lone = _image("kestrel/2026/trail/ridge-runner-box", eu_retailers, "Ridge Runner box")
    # when
    names = sorted(_entries(_zip_location(client_for(bob), [first, second, lone],
                                          "web-1920-jpg")))
    # then
    assert names == [f"hero_asset-{first.pk}_web-1920.jpg",
                     f"hero_asset-{second.pk}_web-1920.jpg", "ridge-runner-box_web-1920.jpg"]


def test_a_second_zip_reuses_the_copies_and_a_changed_preset_remakes_them(
        client_for, bob, ridge_runner, presets):
    # given
    bobs = client_for(bob)
    with mock.patch.object(client, "copy_to_delivery", autospec=True,
                           side_effect=client.copy_to_delivery) as copying:
        _entries(_zip_location(bobs, [ridge_runner], "web-1200-webp"))
        # when: the same ZIP again
        entries = _entries(_zip_location(bobs, [ridge_runner], "web-1200-webp"))
        # then: no second copy
        assert copying.call_count == 1
        assert list(entries) == ["ridge-runner-box_web-1200.webp"]
        # when: the content team changes what the preset makes
        preset = presets["web-1200-webp"]
        preset.transformation = "c_limit,w_600"
        preset.save(update_fields=["transformation"])
        entries = _entries(_zip_location(bobs, [ridge_runner], "web-1200-webp"))
    # then: made again, from the new transformation
    assert copying.call_count == 2
    picture = Image.open(io.BytesIO(entries["ridge-runner-box_web-1200.webp"]))
    assert picture.size == (600, 450)


def test_revoking_the_links_deletes_the_zip_copies(client_for, bob, ridge_runner, presets):
    from assets.releases import deliver_asset, revoke_asset_links

    # given
    location = _zip_location(client_for(bob), [ridge_runner], "web-1200-webp")
    version = AssetVersion.objects.get(pk=ridge_runner.approved_version_id)
    (copy,) = [c["public_id"] for key, c in version.zip_copies.items()
                if key.startswith("web-1200-webp:")]
    # when
    revoke_asset_links([ridge_runner.pk], reason="test")
    deliver_asset(ridge_runner.pk)
    # then: the ZIP link handed out before no longer works, and the copy is gone
    assert requests.get(location, timeout=10).status_code == 404
    assert not client.delivery_exists(public_id=copy, resource_type="image")
    assert AssetVersion.objects.get(pk=version.pk).zip_copies == {}


def test_when_cloudinary_cannot_make_a_copy_the_zip_is_still_served(
        client_for, bob, ridge_runner, presets):
    # given
    with mock.patch.object(client, "copy_to_delivery", autospec=True,
                           side_effect=client.CloudinaryError("down")):
        # when
        entries = _entries(_zip_location(client_for(bob), [ridge_runner], "web-1200-webp"))
    # then: named after the asset only, rendered by the archive's transformation
    assert list(entries) == ["ridge-runner-box.webp"]
