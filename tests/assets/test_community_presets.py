"""Per-community presets as Cloudinary named transformations, derivatives generated ahead at
release with explicit + eager (async, notified), and their real facts (issue #14)."""

import io
import re

import cloudinary.api
import cloudinary.uploader
import pytest
import requests
from django.urls import reverse
from PIL import Image

from assets import services
from assets.models import ApprovalState, Asset, DerivativeFact, DownloadPreset
from assets.presets import preset_sync_transformation
from assets.sync import sync_full
from audit.models import Event
from communities.services import community_set_defaults
from tests import factories as f
from tests.catalog.fixtures import ensure_default_presets
from tests.catalog.media import png_bytes
from tests.emulators.conftest import Receiver

pytestmark = pytest.mark.django_db

RETAIL = {"name": "Retail main image", "slug": "retail-main",
          "transformation": "c_pad,w_220,h_220,b_white", "format": "jpg"}


@pytest.fixture
def receiver():
    rec = Receiver()
    yield rec
    rec.close()


def admin_add_preset(client, **fields):
    data = {"name": fields["name"], "slug": fields["slug"], "active": "on", "position": "5",
            "transformation": fields["transformation"], "format": fields["format"],
            "resource_types": '["image"]'}
    return client.post(reverse("admin:assets_downloadpreset_add"), data)


@pytest.fixture
def retail_preset(protected_cloud, jp_resellers, content, client_for,
                  django_capture_on_commit_callbacks):
    """Japan Resellers' own preset, saved in the admin (which pushes it to Cloudinary)."""
    ensure_default_presets()
    with django_capture_on_commit_callbacks(execute=True):
        answer = admin_add_preset(client_for(content), **RETAIL)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    preset = DownloadPreset.objects.get(slug="retail-main")
    community_set_defaults(community=jp_resellers, languages=[], presets=[preset],
                           actor=content)
    return preset


@pytest.fixture
def released(retail_preset, eu_retailers, jp_resellers, content, settings, receiver,
             django_capture_on_commit_callbacks, protected_cloud):
    """A packaging shot published to both communities and approved; the eager notification
    is caught by `receiver`."""
    settings.CLOUDINARY_EAGER_NOTIFICATION_URL = receiver.url
    cloudinary.uploader.upload(io.BytesIO(png_bytes(800, 600)), public_id="kestrel/pack/shot",
                               type="upload", context={"kind": "packaging", "title": "Shot"})
    with django_capture_on_commit_callbacks(execute=True):
        sync_full()
    asset = Asset.objects.get()
    for community in (eu_retailers, jp_resellers):
        f.PublicationFactory(community=community, asset=asset)
    with django_capture_on_commit_callbacks(execute=True):
        services.asset_set_approval(assets=[asset], state=ApprovalState.APPROVED, actor=content)
    asset.refresh_from_db()
    assert asset.approved_version.delivery_public_id
    return asset


def forward(client, receiver, capture):
    """Deliver what Cloudinary sent to the receiver to the portal's webhook."""
    assert receiver.event.wait(10)
    headers, body = receiver.requests[-1]
    with capture(execute=True):
        answer = client.post("/hooks/cloudinary/", data=body, content_type="application/json",
                             HTTP_X_CLD_TIMESTAMP=headers["X-Cld-Timestamp"],
                             HTTP_X_CLD_SIGNATURE=headers["X-Cld-Signature"])
    assert answer.status_code == 200


def test_saving_a_preset_creates_its_named_transformation_idempotently(retail_preset):
    retail_preset.refresh_from_db()
    held = cloudinary.api.transformation("portal_retail_main")
    assert held["allowed_for_strict"] is True
    assert held["info"][0] == {"crop": "pad", "width": "220", "height": "220",
                               "background": "white"}
    assert retail_preset.delivered_through_name
    assert preset_sync_transformation(preset_id=retail_preset.pk) == "already in Cloudinary"

    # a changed definition is an update (unsafe_update), not a second transformation
    DownloadPreset.objects.filter(pk=retail_preset.pk).update(
        transformation="c_pad,w_300,h_300,b_white")
    assert preset_sync_transformation(preset_id=retail_preset.pk) == "updated"
    assert cloudinary.api.transformation("portal_retail_main")["info"][0]["width"] == "300"
    assert Event.objects.filter(action="preset.transformation_synced").count() == 2


def test_a_community_preset_is_offered_only_to_its_members_with_its_real_size(
        released, bob, charlie, client_for, protected_cloud, receiver,
        django_capture_on_commit_callbacks, client):
    version = released.approved_version

    # then: the derivative was asked for ahead, at approval (the emulator recorded it)
    assert protected_cloud.wait_for_eager()
    request = next(r for r in protected_cloud.eager_requests
                   if r["public_id"] == version.delivery_public_id)
    assert "t_portal_retail_main/jpg" in request["eager"]
    assert request["eager_async"] is True and request["eager_notification_url"] == receiver.url
    assert request["type"] == "authenticated"
    fact = DerivativeFact.objects.get(version=version, preset__slug="retail-main")
    assert fact.state == DerivativeFact.State.PENDING

    # when: Cloudinary's eager notification arrives
    forward(client, receiver, django_capture_on_commit_callbacks)

    # then: its real facts are stored and shown to charlie, and only to charlie
    derived = {d["transformation"]: d for d in cloudinary.api.resource(
        version.delivery_public_id, type="authenticated")["derived"]}["t_portal_retail_main"]
    fact.refresh_from_db()
    assert (fact.state, fact.width, fact.height, fact.bytes) == (
        "ready", 220, 220, derived["bytes"])
    body = client_for(charlie).get(f"/api/v1/assets/{released.pk}/").json()
    offered = {p["slug"]: p for p in body["presets"]}
    assert offered["retail-main"]["community_only"] is True
    kb = round(derived["bytes"] / 1000)
    assert offered["retail-main"]["facts"]["label"] == f"JPG · 220 × 220 · ~{kb} KB"
    assert offered["web-1920-jpg"]["community_only"] is False
    # the asset page's button says the same, next to the preset it belongs to
    page = client_for(charlie).get(reverse("assets:detail", args=[released.pk]))
    href = re.escape(reverse("assets:download", args=[released.pk, "retail-main"]))
    button = re.search(rf'href="{href}"[^>]*>Retail main image</a>\s*'
                       r'<span class="muted preset-facts">([^<]*)</span>',
                       page.content.decode())
    assert button, "no size label beside the Retail main image button"
    assert button.group(1) == f"JPG · 220 × 220 · ~{kb} KB"

    bobs = client_for(bob).get(f"/api/v1/assets/{released.pk}/").json()
    assert "retail-main" not in {p["slug"] for p in bobs["presets"]}
    refused = client_for(bob).post(f"/api/v1/assets/{released.pk}/download-links/",
                                   {"preset": "retail-main"}, content_type="application/json")
    assert refused.status_code == 404
    assert client_for(bob).get(
        reverse("assets:download", args=[released.pk, "retail-main"])).status_code == 404

    # charlie's download goes through the named transformation
    answer = client_for(charlie).get(reverse("assets:download",
                                             args=[released.pk, "retail-main"]))
    assert answer.status_code == 302 and "/t_portal_retail_main/" in answer["Location"]
    delivered = requests.get(answer["Location"], timeout=10)
    assert delivered.status_code == 200, delivered.headers.get("X-Cld-Error")
    assert Image.open(io.BytesIO(delivered.content)).size == (220, 220)
    assert delivered.headers["Content-Disposition"] == 'attachment; filename="shot_retail-main.jpg"'

    # and so does the API's link: saved under title and preset, not the named transformation
    link = client_for(charlie).post(f"/api/v1/assets/{released.pk}/download-links/",
                                    {"preset": "retail-main"}, content_type="application/json")
    assert link.status_code == 201 and "/t_portal_retail_main/" in link.json()["url"]
    through_api = requests.get(link.json()["url"], timeout=10)
    assert through_api.status_code == 200, through_api.headers.get("X-Cld-Error")
    assert through_api.headers["Content-Disposition"] == (
        'attachment; filename="shot_retail-main.jpg"')


def test_requesting_derivatives_again_asks_for_nothing_new(released, protected_cloud,
                                                          jp_resellers):
    from assets.presets import derivatives_request

    protected_cloud.wait_for_eager()
    before = len(protected_cloud.eager_requests)
    outcome = derivatives_request(version_pk=released.approved_version_id,
                                  community_ids=[jp_resellers.pk])
    assert outcome == "already requested" and len(protected_cloud.eager_requests) == before
