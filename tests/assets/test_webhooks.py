"""`POST /hooks/cloudinary/`: verification, storage once, and every notification type."""

import hashlib
import io
import json
import time

import cloudinary.api
import cloudinary.uploader
import pytest
from PIL import Image

from assets.models import ApprovalState, Asset, AssetVersion, CloudinaryNotification
from assets.signals import asset_version_added
from audit.models import Event

URL = "/hooks/cloudinary/"
SECRET = "test_secret"


def sign(body: str, timestamp: int, secret: str = SECRET) -> str:
    return hashlib.sha1(f"{body}{timestamp}{secret}".encode()).hexdigest()


def post(client, payload, *, timestamp=None, signature=None, raw=None):
    body = raw if raw is not None else json.dumps(payload, separators=(",", ":"))
    timestamp = int(time.time()) if timestamp is None else timestamp
    return client.post(URL, data=body, content_type="application/json",
                       HTTP_X_CLD_TIMESTAMP=str(timestamp),
                       HTTP_X_CLD_SIGNATURE=signature or sign(body, timestamp))


def upload_payload(asset_id="a" * 32, public_id="kestrel/trail/boot", version=1_800_000_000,
                   **extra):
    return {"notification_type": "upload", "asset_id": asset_id, "public_id": public_id,
            "version": version, "resource_type": "image", "type": "upload", "format": "jpg",
            "bytes": 1000, "width": 800, "height": 600, "created_at": "2026-11-20T10:00:00Z",
            "tags": ["line:trail", "market:de", "kind:banner"],
            "context": {"custom": {"title": "Trail boot"}}, **extra}


def png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "orange").save(buffer, "PNG")
    buffer.seek(0)
    return buffer


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """POST a notification and run what it queued on commit (tasks run eagerly)."""

    def send(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(client, *args, **kwargs)

    return send


@pytest.fixture
def emulated(cloudinary_emulator):
    """The webhook view verifies with the emulator's secret."""
    return cloudinary_emulator


@pytest.mark.django_db
class TestVerification:
    def test_a_signed_notification_is_stored_once_and_applied(self, emulated, deliver):
        # given
        payload = upload_payload()
        # when
        first = deliver(payload)
        again = deliver(payload)
        # then
        assert first.status_code == again.status_code == 200
        assert again.json()["duplicate"] is True
        notification = CloudinaryNotification.objects.get()
        assert notification.state == CloudinaryNotification.State.APPLIED
        asset = Asset.objects.get(asset_id="a" * 32)
        assert (asset.title, asset.product_line.slug, asset.kind.slug) == (
            "Trail boot", "trail", "banner")
        assert list(asset.markets.values_list("slug", flat=True)) == ["de"]
        assert asset.approval_state == ApprovalState.PENDING

    def test_a_forged_signature_is_refused_and_stores_nothing(self, emulated, deliver):
        # when
        response = deliver(upload_payload(), signature="0" * 40)
        # then
        assert response.status_code == 401
        assert not CloudinaryNotification.objects.exists() and not Asset.objects.exists()

    def test_a_body_signed_with_another_secret_is_refused(self, emulated, deliver):
        body = json.dumps(upload_payload())
        now = int(time.time())
        response = deliver(None, raw=body, timestamp=now,
                        signature=sign(body, now, "not-the-secret"))
        assert response.status_code == 401
        assert not CloudinaryNotification.objects.exists()

    def test_a_stale_notification_is_refused(self, emulated, deliver, settings):
        # given
        stale = int(time.time()) - settings.CLOUDINARY_WEBHOOK_VALID_FOR - 5
        # when
        response = deliver(upload_payload(), timestamp=stale)
        # then
        assert response.status_code == 400
        assert not CloudinaryNotification.objects.exists() and not Asset.objects.exists()

    def test_an_oversized_body_is_refused(self, emulated, deliver, settings):
        settings.CLOUDINARY_WEBHOOK_MAX_BYTES = 1024
        response = deliver(upload_payload(description="x" * 2000))
        assert response.status_code == 413
        assert not CloudinaryNotification.objects.exists()

    def test_a_signed_body_that_is_not_a_notification_is_refused(self, emulated, deliver):
        assert deliver(None, raw="[1, 2]").status_code == 400
        assert deliver(None, raw="not json").status_code == 400
        assert not CloudinaryNotification.objects.exists()

    def test_only_post_is_allowed(self, client):
        assert client.get(URL).status_code == 405


@pytest.mark.django_db
class TestOrdering:
    def test_an_overwrite_adds_a_version_and_sends_the_signal(self, emulated, deliver):
        # given
        deliver(upload_payload(version=100))
        received = []

        def receiver(sender, asset, version, **kwargs):
            received.append((asset.pk, version.version))

        asset_version_added.connect(receiver)
        # when
        try:
            deliver(upload_payload(version=200, bytes=2000))
        finally:
            asset_version_added.disconnect(receiver)
        # then
        asset = Asset.objects.get()
        assert (asset.version, asset.current_version.version, asset.bytes) == (200, 200, 2000)
        assert list(asset.versions.values_list("version", flat=True)) == [200, 100]
        assert received == [(asset.pk, 200)]
        event = Event.objects.get(action="asset.version_added")
        assert event.payload == {"previous_version": 100} and event.asset_version == 200

    def test_an_older_upload_arriving_late_changes_nothing(self, emulated, deliver):
        # given
        deliver(upload_payload(version=200, bytes=2000))
        # when
        deliver(upload_payload(version=100, bytes=1000))
        # then
        asset = Asset.objects.get()
        assert (asset.version, asset.bytes) == (200, 2000)
        assert AssetVersion.objects.count() == 1
        assert CloudinaryNotification.objects.filter(state="ignored").count() == 1

    def test_a_delete_then_a_late_upload_leaves_the_asset_retired(self, emulated, deliver):
        # given
        deliver(upload_payload(version=100))
        delete = {"notification_type": "delete", "resources": [
            {"asset_id": "a" * 32, "public_id": "kestrel/trail/boot", "resource_type": "image",
             "type": "upload", "version": 100}]}
        # when
        deliver(delete)
        deliver({**upload_payload(version=100), "request_id": "re-delivered"})
        # then
        asset = Asset.objects.get()
        assert asset.retired
        assert Event.objects.filter(action="asset.retired").count() == 1

    def test_a_late_delete_of_the_old_asset_spares_its_re_upload(self, emulated, deliver):
        # given: deleted and uploaded again under the same public id (a new asset_id)
        deliver(upload_payload(asset_id="a" * 32, version=100))
        deliver(upload_payload(asset_id="b" * 32, version=300))
        # when: the delete of the first one arrives last
        deliver({"notification_type": "delete", "resources": [
            {"asset_id": "a" * 32, "public_id": "kestrel/trail/boot", "resource_type": "image",
             "type": "upload"}]})
        # then
        assert Asset.objects.get(asset_id="b" * 32).retired is False
        assert Asset.objects.get(asset_id="a" * 32).retired is True

    def test_a_moderation_decision_in_cloudinary_is_honoured_once(self, emulated, deliver):
        # given
        deliver(upload_payload())
        moderation = {"notification_type": "moderation", "asset_id": "a" * 32,
                      "public_id": "kestrel/trail/boot", "moderation_status": "approved",
                      "moderation_kind": "manual",
                      "moderation_updated_at": "2026-11-26T10:00:00Z"}
        # when
        deliver(moderation)
        deliver({**moderation, "request_id": "again"})
        # then
        asset = Asset.objects.get()
        assert asset.approval_state == ApprovalState.APPROVED
        events = Event.objects.filter(action="asset.approved")
        assert [e.actor_system for e in events] == ["cloudinary-sync"]


@pytest.mark.django_db(transaction=True)
class TestThroughTheEmulator:
    """Notifications the emulator sends to a live portal (tasks run eagerly here)."""

    @pytest.fixture
    def wired(self, cloudinary_emulator, live_server):
        cloudinary_emulator.set_notification_url(f"{live_server.url}{URL}")
        return cloudinary_emulator

    def test_uploads_changes_renames_and_deletes_all_land(self, wired):
        # given
        uploaded = cloudinary.uploader.upload(
            png(), public_id="kestrel/summit/jacket", tags=["line:summit"],
            context={"title": "Summit jacket"}, metadata={"campaign": "winter-2026"})
        wired.wait_for_notifications()
        asset = Asset.objects.get(asset_id=uploaded["asset_id"])
        assert (asset.product_line.slug, asset.campaign.slug) == ("summit", "winter-2026")
        # when
        cloudinary.uploader.add_tag("market:jp", "kestrel/summit/jacket")
        cloudinary.uploader.add_context({"description": "Red"}, ["kestrel/summit/jacket"])
        cloudinary.api.update("kestrel/summit/jacket", metadata={"asset_kind": "banner"})
        cloudinary.uploader.rename("kestrel/summit/jacket", "kestrel/summit/jacket-red")
        wired.wait_for_notifications()
        # then
        asset.refresh_from_db()
        assert asset.public_id == "kestrel/summit/jacket-red"
        assert list(asset.markets.values_list("slug", flat=True)) == ["jp"]
        assert asset.description == "Red" and asset.kind.slug == "banner"
        # and when
        cloudinary.api.delete_resources(["kestrel/summit/jacket-red"])
        wired.wait_for_notifications()
        # then
        asset.refresh_from_db()
        assert asset.retired
        assert all(n.state != "failed" for n in CloudinaryNotification.objects.all())


@pytest.mark.django_db(transaction=True)
def test_an_upload_reaches_the_catalog_through_a_real_worker_within_two_seconds(
        cloudinary_emulator, live_server, celery_worker):
    # given
    cloudinary_emulator.set_notification_url(f"{live_server.url}{URL}")
    # when
    uploaded = cloudinary.uploader.upload(png(), public_id="kestrel/kids/cap",
                                          tags=["line:kids", "kind:product_shot"])
    started = time.monotonic()
    while time.monotonic() - started < 2.0:
        if Asset.objects.filter(asset_id=uploaded["asset_id"]).exists():
            break
        time.sleep(0.05)
    # then
    asset = Asset.objects.get(asset_id=uploaded["asset_id"])
    assert (asset.product_line.slug, asset.kind.slug) == ("kids", "product_shot")


@pytest.mark.django_db(transaction=True)
def test_a_forged_webhook_through_a_real_worker_changes_nothing(cloudinary_emulator,
                                                                live_server, celery_worker):
    import urllib.error
    import urllib.request

    body = json.dumps(upload_payload())
    now = int(time.time())
    request = urllib.request.Request(f"{live_server.url}{URL}", data=body.encode(),
                                     method="POST", headers={
                                         "Content-Type": "application/json",
                                         "X-Cld-Timestamp": str(now),
                                         "X-Cld-Signature": sign(body, now, "forged")})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 401
    time.sleep(0.3)
    assert not CloudinaryNotification.objects.exists() and not Asset.objects.exists()
