"""Governed versions and protected delivery, through the real SDK against the emulator.

Partners get the newest approved version of an asset through the portal's protected copy;
a new version in Cloudinary waits for review; every URL bob gets works, and nothing else does.
"""

import io
import re
import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import cloudinary.uploader
import cloudinary.utils
import pytest
import requests
from django.urls import reverse
from PIL import Image

from assets import services
from assets.models import ApprovalState, Asset, AssetVersion, ReviewState
from assets.sync import sync_full
from audit.models import Event
from communities.services import publication_delete
from tests import factories as f
from tests.catalog.fixtures import ensure_default_presets
from tests.catalog.media import png_bytes

pytestmark = pytest.mark.django_db


def _upload(public_id, size, colour=(20, 110, 80), kind="packaging"):
    title = public_id.rsplit("/", 1)[-1].title()
    return cloudinary.uploader.upload(io.BytesIO(png_bytes(*size, colour=colour)),
                                      public_id=public_id, type="upload",
                                      context={"kind": kind, "title": title})


def _get(url):
    return requests.get(url, timeout=10)


def _size(url):
    answer = _get(url)
    assert answer.status_code == 200, (url, answer.status_code,
                                       answer.headers.get("X-Cld-Error"))
    return Image.open(io.BytesIO(answer.content)).size


@pytest.fixture
def shop(protected_cloud, eu_retailers, content, django_capture_on_commit_callbacks):
    """Two packaging images mirrored, published to EU Retailers and approved (version 1)."""
    ensure_default_presets()
    _upload("kestrel/pack/ridge-box", (1600, 1200))
    _upload("kestrel/pack/summit-box", (1200, 1200), colour=(200, 30, 30))
    with django_capture_on_commit_callbacks(execute=True):
        sync_full()
    assets = {a.public_id.rsplit("/", 1)[-1]: a for a in Asset.objects.all()}
    for asset in assets.values():
        f.PublicationFactory(community=eu_retailers, asset=asset)
    with django_capture_on_commit_callbacks(execute=True):
        services.asset_set_approval(assets=assets.values(), state=ApprovalState.APPROVED,
                                    actor=content)
    for asset in assets.values():
        asset.refresh_from_db()
        assert asset.release_public_id and asset.approved_version.number == 1
    return assets


def _overwrite(asset, size, capture, colour=(10, 10, 200)):
    _upload(asset.public_id, size, colour=colour)
    with capture(execute=True):
        sync_full()
    asset.refresh_from_db()
    return asset


def _download_location(client, asset, preset):
    response = client.get(reverse("assets:download", args=[asset.pk, preset]))
    assert response.status_code == 302, response.status_code
    return response["Location"]


def test_a_new_version_waits_for_review_and_partners_keep_the_approved_one(
        shop, bob, content, client_for, django_capture_on_commit_callbacks):
    # given: the brand overwrites the approved packaging image in Cloudinary
    asset = shop["ridge-box"]
    first = asset.approved_version
    asset = _overwrite(asset, (2000, 1000), django_capture_on_commit_callbacks)
    proposed = asset.current_version
    client = client_for(bob)
    # then: it waits for review, and everything bob gets still names version 1
    assert (proposed.number, proposed.review_state) == (2, ReviewState.PENDING)
    assert asset.approved_version == first and asset.approval_state == ApprovalState.APPROVED
    page = client.get(reverse("assets:detail", args=[asset.pk]))
    assert page.context["shown"] == first
    assert f"/v{asset.release_version}/{asset.release_public_id}" in page.context["preview"]
    assert asset.public_id not in page.content.decode()
    assert _size(_download_location(client, asset, "original")) == (1600, 1200)
    api = client.get(f"/api/v1/assets/{asset.pk}/").json()
    assert (api["version"], api["version_number"], api["width"]) == (first.version, 1, 1600)
    # when: the content team approves version 2
    with django_capture_on_commit_callbacks(execute=True):
        services.version_set_approval(version=proposed, state=ApprovalState.APPROVED,
                                      actor=content)
    asset.refresh_from_db()
    # then: partners get it
    assert asset.approved_version == proposed
    assert _size(_download_location(client, asset, "original")) == (2000, 1000)
    assert client.get(f"/api/v1/assets/{asset.pk}/").json()["version_number"] == 2
    # derivatives made ahead at each release (issue #14) are audited beside this story
    assert Event.objects.filter(asset_id=asset.pk, action="asset.derivatives_requested",
                                asset_version=proposed.version).exists()
    story = list(Event.objects.filter(asset_id=asset.pk)
                 .exclude(action__in=["asset.synced", "asset.derivatives_requested"])
                 .order_by("sequence").values_list("action", "asset_version"))
    assert story[-5:] == [("asset.version_added", proposed.version),
                          ("asset.downloaded", first.version),
                          ("asset.approved", proposed.version),
                          ("asset.released", proposed.version),
                          ("asset.downloaded", proposed.version)]
    approved = Event.objects.filter(action="asset.approved", asset_id=asset.pk).order_by(
        "sequence").last()
    assert approved.payload["partners_had_version"] == first.version


def test_rejecting_a_new_version_keeps_the_old_one_and_says_why(
        shop, bob, content, client_for, django_capture_on_commit_callbacks):
    # given
    asset = _overwrite(shop["ridge-box"], (900, 900), django_capture_on_commit_callbacks)
    proposed = asset.current_version
    # when: a rejection without a reason is refused, with one it is recorded
    with pytest.raises(services.ValidationError):
        services.version_set_approval(version=proposed, state=ApprovalState.REJECTED,
                                      actor=content)
    with django_capture_on_commit_callbacks(execute=True):
        services.version_set_approval(version=proposed, state=ApprovalState.REJECTED,
                                      actor=content, reason="Wrong barcode")
    asset.refresh_from_db()
    proposed.refresh_from_db()
    # then
    assert (proposed.review_state, proposed.review_reason) == (ReviewState.REJECTED,
                                                               "Wrong barcode")
    assert asset.approved_version.number == 1
    assert _size(_download_location(client_for(bob), asset, "original")) == (1600, 1200)
    rejected = Event.objects.get(action="asset.rejected")
    assert (rejected.asset_version, rejected.payload["reason"]) == (proposed.version,
                                                                    "Wrong barcode")


def test_a_cloudinary_side_decision_applies_to_the_version_it_names(
        shop, django_capture_on_commit_callbacks):
    # given: version 2 arrives; Cloudinary moderation approves version 1 again (late)
    asset = _overwrite(shop["summit-box"], (800, 800), django_capture_on_commit_callbacks)
    first, second = asset.versions.order_by("version")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        late = services.asset_record_cloudinary_decision(
            asset=asset, state="rejected", decided_at=None, version=second.version)
    # then: version 2 is rejected, version 1 stays what partners get
    second.refresh_from_db()
    asset.refresh_from_db()
    assert late and second.review_state == ReviewState.REJECTED
    assert asset.approved_version == first


def test_controlled_kinds_are_never_auto_approved(settings, protected_cloud, eu_retailers,
                                                  django_capture_on_commit_callbacks):
    # given: product shots auto-approve, and someone also lists packaging
    settings.ASSET_AUTO_APPROVE_KINDS = ["product-shot", "packaging"]
    _upload("kestrel/shots/hero", (800, 600), kind="product-shot")
    _upload("kestrel/pack/label", (800, 600), kind="packaging")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        sync_full()
    # then
    states = dict(AssetVersion.objects.values_list("asset__public_id", "review_state"))
    assert states == {"kestrel/shots/hero": ReviewState.APPROVED,
                      "kestrel/pack/label": ReviewState.PENDING}
    assert Asset.objects.get(public_id="kestrel/shots/hero").release_public_id


# ------------------------------------------------------------------ every URL bob gets

_URL = re.compile(r'(?:src|href)="(http[^"]+)"|(http://127\.0\.0\.1:\d+/[^\s",]+) \d+w')


def _urls_in(html: str) -> set[str]:
    found = set()
    for a, b in _URL.findall(html):
        found.add((a or b).replace("&amp;", "&"))
    return {u for u in found if "/portal-test/" in u}


def _bobs_urls(client, assets) -> set[str]:
    urls = _urls_in(client.get(reverse("assets:catalog")).content.decode())
    for asset in assets:
        urls |= _urls_in(client.get(reverse("assets:detail", args=[asset.pk])).content.decode())
        for preset in ("original", "web-1200-webp", "thumbnail-400", "mobile-640"):
            urls.add(_download_location(client, asset, preset))
        detail = client.get(f"/api/v1/assets/{asset.pk}/").json()
        urls |= {detail["thumbnail_url"], detail["preview_url"]}
    for item in client.get("/api/v1/assets/").json()["results"]:
        urls.add(item["thumbnail_url"])
    urls.add(client.post(reverse("assets:download_zip"),
                         {"asset": [a.pk for a in assets], "preset": "original"})["Location"])
    return urls


def _without_token(url):
    parts = urlsplit(url)
    query = {k: v for k, v in parse_qs(parts.query).items() if k != "__cld_token__"}
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))


def _tampered(url, other):
    """The same link with its transformation or public id changed."""
    if "/download?" in url or "/generate_archive?" in url:
        return [url.replace("expires_at=", "expires_at=1"),
                url.replace(other[0], other[1]) if other[0] in url else url + "&x=1"]
    changed = re.sub(r"w_(\d+)", lambda m: f"w_{int(m.group(1)) + 1}", url, count=1)
    if changed == url:
        changed = url.replace("/fl_attachment", "/e_grayscale/fl_attachment")
    return [changed, url.replace(other[0], other[1])]


def test_every_url_bob_gets_works_and_nothing_else_does(shop, bob, client_for):
    # given
    client = client_for(bob)
    ridge, summit = shop["ridge-box"], shop["summit-box"]
    swap = (ridge.release_public_id, summit.release_public_id)
    # when
    urls = _bobs_urls(client, [ridge, summit])
    # then: each works
    assert len(urls) >= 12  # thumbnails, srcsets, previews, 8 downloads, API fields, ZIP
    for url in urls:
        assert _get(url).status_code == 200, url
    # and no variant of any does
    for url in urls:
        for variant in [_without_token(url), *_tampered(url, swap)]:
            if variant != url:
                assert _get(variant).status_code in (401, 403, 404), variant
    # and the masters cannot be fetched from the CDN by their public ids
    for asset in shop.values():
        for delivery_type, sign in (("upload", False), ("upload", True),
                                    ("authenticated", False)):
            public_id = asset.public_id if delivery_type == "upload" else \
                asset.release_public_id
            direct, _ = cloudinary.utils.cloudinary_url(
                public_id, type=delivery_type, format="png", sign_url=sign, auth_token=False,
                secure=False)
            answer = _get(direct)
            assert answer.status_code in (401, 403), (direct, answer.status_code)


# ------------------------------------------------------------------ expiry and revocation

def _download_links(client, asset):
    links = [_download_location(client, asset, p) for p in ("original", "web-1200-webp")]
    links.append(client.post(reverse("assets:download_zip"),
                             {"asset": [asset.pk], "preset": "original"})["Location"])
    return links


def test_every_kind_of_download_link_expires_after_the_ttl(shop, bob, client_for, settings):
    # given
    settings.DOWNLOAD_LINK_TTL = 2
    links = _download_links(client_for(bob), shop["ridge-box"])
    assert all(_get(link).status_code == 200 for link in links)
    # when
    time.sleep(3.2)
    # then
    assert [_get(link).status_code for link in links] == [403, 401, 403] or all(
        _get(link).status_code in (401, 403) for link in links)


@pytest.mark.parametrize("change", ["reject", "retire", "unpublish"])
def test_links_captured_before_a_change_are_refused_after_it(
        shop, bob, content, client_for, eu_retailers, django_capture_on_commit_callbacks,
        change):
    # given
    asset = shop["ridge-box"]
    client = client_for(bob)
    page = client.get(reverse("assets:detail", args=[asset.pk])).context
    captured = [*_download_links(client, asset), page["preview"]]
    assert all(_get(url).status_code == 200 for url in captured)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        if change == "reject":
            services.version_set_approval(version=asset.approved_version,
                                          state=ApprovalState.REJECTED, actor=content,
                                          reason="Recalled packaging")
        elif change == "retire":
            services.asset_retire(asset=asset, actor=content, reason="discontinued")
        else:
            publication_delete(publication=asset.publications.get(), actor=content)
    # then
    assert [_get(url).status_code for url in captured] == [404] * len(captured)
    assert client.get(reverse("assets:detail", args=[asset.pk])).status_code == 404


# ------------------------------------------------------------------ what's new

def test_a_fresh_start_shows_nothing_new_until_something_changes_for_bob(
        shop, bob, content, client_for, eu_retailers, django_capture_on_commit_callbacks):
    # given: bob has been here before (his visit stamps the time)
    client = client_for(bob)
    client.get(reverse("assets:catalog"))
    assert client.get(reverse("home")).context["new_count"] == 0
    # when: a new asset is published to his community, and a new version is approved
    _upload("kestrel/pack/new-box", (640, 480))
    with django_capture_on_commit_callbacks(execute=True):
        sync_full()
    new = Asset.objects.get(public_id="kestrel/pack/new-box")
    with django_capture_on_commit_callbacks(execute=True):
        services.asset_set_approval(assets=[new], state=ApprovalState.APPROVED, actor=content)
    home = client.get(reverse("home")).context
    assert [c["asset"] for c in home["new_cards"]] == []  # approved, not yet published to him
    f.PublicationFactory(community=eu_retailers, asset=new)
    summit = _overwrite(shop["summit-box"], (700, 700), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.version_set_approval(version=summit.current_version,
                                      state=ApprovalState.APPROVED, actor=content)
    # then
    home = client.get(reverse("home")).context
    assert {c["asset"].pk for c in home["new_cards"]} == {new.pk, summit.pk}
    assert shop["ridge-box"].pk not in {c["asset"].pk for c in home["new_cards"]}


def test_the_portals_own_copies_are_never_mirrored(shop, django_capture_on_commit_callbacks):
    # given: the cloud holds the two masters and their two delivery copies
    from assets.models import CloudinaryNotification
    from assets.sync.notifications import notification_apply

    copy = shop["ridge-box"].release_public_id
    notification = CloudinaryNotification.objects.create(
        dedupe_key="x" * 64, notification_type="upload", signed_at="2026-12-01T00:00:00Z",
        payload={"notification_type": "upload", "public_id": copy, "asset_id": "f" * 32,
                 "version": 1, "type": "authenticated", "resource_type": "image"})
    # when
    with django_capture_on_commit_callbacks(execute=True):
        sync_full()
        outcome = notification_apply(notification_id=notification.pk)
    # then
    assert Asset.objects.count() == 2
    assert "delivery copies" in outcome
    assert not Asset.objects.filter(public_id__startswith="partner-portal/").exists()


def test_staff_see_why_partners_do_not_get_an_asset_and_can_filter_on_it(
        client_for, content, bob, eu_retailers):
    # given: one asset partners get, one pending, one retired, one with a new version waiting
    live = f.AssetFactory(title="Live one")
    pending = f.AssetFactory(title="Pending one", approval_state=ApprovalState.PENDING)
    f.AssetFactory(title="Retired one", retired=True)
    waiting = f.AssetFactory(title="Waiting one")
    newer = f.AssetVersionFactory(asset=waiting, review_state=ReviewState.PENDING)
    Asset.objects.filter(pk=waiting.pk).update(current_version=newer, version=newer.version)
    for asset in (live, pending, waiting):
        f.PublicationFactory(community=eu_retailers, asset=asset)
    # when
    everything = client_for(content).get(reverse("assets:catalog"))
    narrowed = client_for(content).get(reverse("assets:catalog"), {"review": "new_version"})
    as_bob = client_for(bob).get(reverse("assets:catalog"), {"review": "pending"})
    # then
    states = {c["asset"].title: c["state"] for c in everything.context["cards"]}
    assert states == {"Live one": "", "Pending one": "Pending", "Retired one": "Retired",
                      "Waiting one": "New version pending"}
    assert [c["asset"] for c in narrowed.context["cards"]] == [waiting]
    assert {c["asset"] for c in as_bob.context["cards"]} == {live, waiting}
    assert "Review state" not in as_bob.content.decode()


def test_a_revocation_cloudinary_did_not_confirm_is_retried_by_the_sweep(
        shop, bob, content, client_for, django_capture_on_commit_callbacks):
    # given: bob holds a link; Cloudinary's Upload API is down when the asset is rejected
    from unittest import mock

    from assets.cloudinary import client
    from assets.releases import sweep_delivery

    asset = shop["ridge-box"]
    link = _download_location(client_for(bob), asset, "web-1200-webp")
    with mock.patch.object(client, "rename_delivery", autospec=True,
                           side_effect=client.CloudinaryUnavailable("503 from Cloudinary")), \
            django_capture_on_commit_callbacks(execute=True):
        services.version_set_approval(version=asset.approved_version,
                                      state=ApprovalState.REJECTED, actor=content,
                                      reason="Recalled")
    asset.refresh_from_db()
    # then: the revocation waits, recorded; nothing was lost
    assert asset.delivery_pending
    assert AssetVersion.objects.get(pk=asset.approved_version_id).revoke_to
    # when: the sweep runs once Cloudinary answers again (twice: the second finds nothing)
    assert sweep_delivery() == 1
    assert sweep_delivery() == 0
    # then
    assert _get(link).status_code == 404
    asset.refresh_from_db()
    assert not asset.delivery_pending and asset.approved_version is None


def test_a_metadata_change_of_a_released_asset_queues_no_delivery_work(
        shop, django_capture_on_commit_callbacks):
    # given: a tag added to an approved, released asset in Cloudinary
    import cloudinary.api

    cloudinary.api.update(shop["ridge-box"].public_id, tags="line:trail,new-tag")
    # when
    with django_capture_on_commit_callbacks(execute=False):
        counts = sync_full().updated
    # then: mirrored (both rows: the restriction changed their access_mode in Cloudinary since
    # the first sync), and nothing flagged for release, revocation or restriction
    assert counts == 2
    assert "new-tag" in Asset.objects.get(pk=shop["ridge-box"].pk).tags
    assert not Asset.objects.filter(delivery_pending=True).exists()


def test_an_overdue_organisations_old_link_is_refused_by_the_cdn_and_the_current_offered(
        shop, bob, alice, content, client_for, settings, django_capture_on_commit_callbacks):
    """#12's blocking, through the real SDK: no mock stands between the escalation and the
    emulated CDN's answer."""
    from datetime import timedelta

    from compliance import services as compliance
    from compliance.models import Acknowledgement

    # given: blocking on for packaging; bob holds a link to version 1 that works
    settings.COMPLIANCE_BLOCK_KINDS = ["packaging"]
    asset = shop["ridge-box"]
    client = client_for(bob)
    old_link = _download_location(client, asset, "original")
    assert _size(old_link) == (1600, 1200)
    # ...version 2 is approved, and Alpine never confirms it
    asset = _overwrite(asset, (2000, 1000), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.version_set_approval(version=asset.current_version,
                                      state=ApprovalState.APPROVED, actor=content)
    ack = Acknowledgement.objects.get(asset=asset, partner__memberships__user=bob)
    assert _get(old_link).status_code == 200  # not yet overdue: the old file still comes
    # when: the daily run past the due date
    with django_capture_on_commit_callbacks(execute=True):
        assert compliance.escalate(at=ack.due_at + timedelta(hours=1)) == 1
    # then: the CDN refuses the old link, and the portal hands out version 2
    assert _get(old_link).status_code == 404
    assert _size(_download_location(client, asset, "original")) == (2000, 1000)
