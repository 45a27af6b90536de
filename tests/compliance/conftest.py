"""Fixtures for currency tests: a packaging image alice's organisation receives, and a helper
that makes the content team approve (and Cloudinary release) its next version."""

from contextlib import contextmanager
from unittest import mock

import pytest
from django.urls import reverse

from tests.catalog.fixtures import presets  # noqa: F401


@pytest.fixture
def packaging(eu_retailers):
    """An approved packaging image (a controlled kind) published to EU Retailers."""
    from tests import factories as f

    asset = f.AssetFactory(title="Trailblazer 2 box front",
                           kind=f.AssetKindFactory(slug="packaging", name="Packaging"))
    f.PublicationFactory(community=eu_retailers, asset=asset)
    return asset


@contextmanager
def cloudinary_release(answer: dict):
    """Cloudinary's side of an approval, answered here: the delivery copy (`answer`), the
    moderation write-back, the focal point and the derivatives asked ahead (without the last,
    each approval retried against a Cloudinary that is not there for ~30 s)."""
    from assets.cloudinary import client, variants

    with mock.patch.object(client, "copy_to_delivery", autospec=True, return_value=answer), \
            mock.patch.object(client, "update_moderation", autospec=True), \
            mock.patch.object(client, "focal_point", autospec=True, return_value=None), \
            mock.patch.object(variants, "generate_eager", autospec=True,
                              return_value={"batch_id": "", "eager": []}):
        yield


@pytest.fixture
def release(content, django_capture_on_commit_callbacks):
    """`release(asset, note="...")`: Cloudinary holds a new version, the content team approves
    it and partners are switched to it (the commit callbacks run, as after a real commit)."""
    from assets import services
    from assets.models import Asset
    from tests import factories as f

    def _release(asset, note="", **fields):
        asset = Asset.objects.get(pk=asset.pk)
        number = asset.versions.count() + 1
        version = f.AssetVersionFactory(asset=asset, version=asset.version + 1, number=number,
                                        review_state="pending", etag=f"e{number}", **fields)
        Asset.objects.filter(pk=asset.pk).update(version=version.version,
                                                 current_version=version)
        answer = {"public_id": f"partner-portal/releases/{asset.asset_id}/{number}-copy",
                  "version": version.version, "etag": f"e{number}"}
        with cloudinary_release(answer), django_capture_on_commit_callbacks(execute=True):
            services.version_set_approval(version=version, state="approved", actor=content,
                                          reason=note)
        version.refresh_from_db()
        return version

    return _release


@pytest.fixture
def download(client_for, django_capture_on_commit_callbacks):
    """`download(user, asset)`: the user downloads the asset's original (audited)."""

    def _download(user, asset):
        response = client_for(user).get(reverse("assets:download", args=[asset.pk, "original"]))
        assert response.status_code == 302, response.content[:300]
        return response

    return _download
