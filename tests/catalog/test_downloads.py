"""Downloads: visibility, the audit event, and the signed Cloudinary link that serves the file."""

import io
import time
import zipfile
from urllib.parse import parse_qs, urlsplit

import cloudinary.uploader
import cloudinary.utils
import pytest
import requests
from django.urls import reverse
from PIL import Image

from audit.models import Event
from tests import factories as f
from tests.catalog.media import asset_from_upload, upload_image


def _download(asset, preset):
    return reverse("assets:download", args=[asset.pk, preset])


def _downloads():
    return list(Event.objects.filter(action="asset.downloaded").order_by("sequence"))


def test_it_records_the_download_and_redirects_to_a_signed_link(client_for, bob, alice_asset,
                                                                presets, eu_retailers):
    # when
    response = client_for(bob).get(_download(alice_asset, "web-1200-webp"))
    # then
    assert response.status_code == 302
    assert "/image/authenticated/s--" in response["Location"]
    assert "/c_limit,w_1200/fl_attachment:" in response["Location"]
    assert response["Location"].endswith(
        f"v{alice_asset.release_version}/{alice_asset.release_public_id}.webp")
    [event] = _downloads()
    assert (event.actor_user_id, event.asset_id, event.asset_version) == (
        bob.pk, alice_asset.pk, alice_asset.version)
    assert event.payload["preset"] == "web-1200-webp"
    assert event.community_id == eu_retailers.pk
    assert event.partner_label == "Alpine Outfitters GmbH"


def test_the_original_is_a_private_download_link_that_expires(client_for, bob, alice_asset,
                                                              presets, settings):
    # given
    settings.DOWNLOAD_LINK_TTL = 600
    # when
    response = client_for(bob).get(_download(alice_asset, "original"))
    # then
    query = parse_qs(urlsplit(response["Location"]).query)
    assert urlsplit(response["Location"]).path.endswith("/image/download")
    assert abs(int(query["expires_at"][0]) - (time.time() + 600)) < 5
    assert query["public_id"] == [alice_asset.release_public_id]
    assert query["type"] == ["authenticated"] and query["attachment"] == ["1"]


@pytest.mark.parametrize("who", ["charlie", "anonymous"])
def test_nobody_else_can_download_and_nothing_is_recorded(client, client_for, charlie,
                                                           alice_asset, presets, who):
    # given
    http = client_for(charlie) if who == "charlie" else client
    # when
    response = http.get(_download(alice_asset, "original"))
    # then
    if who == "charlie":
        assert response.status_code == 404
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert _downloads() == []


def test_a_preset_that_does_not_apply_is_a_404(client_for, bob, eu_retailers, presets):
    # given: a video gets no image presets
    video = f.AssetFactory(resource_type="video", format="mp4")
    f.PublicationFactory(community=eu_retailers, asset=video)
    # when
    response = client_for(bob).get(_download(video, "web-1200-webp"))
    unknown = client_for(bob).get(_download(video, "no-such-preset"))
    # then
    assert (response.status_code, unknown.status_code) == (404, 404)
    assert _downloads() == []


def test_the_zip_is_one_archive_link_audited_per_asset(client_for, bob, alice_asset, charlie_asset,
                                                      eu_retailers, presets):
    # given
    second = f.AssetFactory()
    f.PublicationFactory(community=eu_retailers, asset=second)
    # when: bob also slips in charlie's asset id
    response = client_for(bob).post(reverse("assets:download_zip"), {
        "asset": [alice_asset.pk, second.pk, charlie_asset.pk], "preset": "original"})
    # then
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert "/auto/generate_archive" in response["Location"]
    assert sorted(query["fully_qualified_public_ids[]"]) == sorted(
        [f"image/authenticated/{alice_asset.release_public_id}",
         f"image/authenticated/{second.release_public_id}"])
    assert "expires_at" in query
    assert sorted(e.asset_id for e in _downloads()) == sorted([alice_asset.pk, second.pk])


def test_an_empty_zip_selection_is_refused_clearly(client_for, bob, charlie_asset, presets):
    # when
    response = client_for(bob).post(reverse("assets:download_zip"),
                                    {"asset": [charlie_asset.pk]}, follow=True)
    # then
    assert "Select at least one asset" in response.content.decode()
    assert _downloads() == []


# --------------------------------------------------------------- against the emulator

@pytest.fixture
def uploaded(cloudinary_emulator, eu_retailers):
    result = upload_image("kestrel/trail/tb2-hero", 2400, 1600, "authenticated")
    asset = asset_from_upload(result, title="Trailblazer hero")
    f.PublicationFactory(community=eu_retailers, asset=asset)
    return asset


@pytest.mark.parametrize("preset, size", [("web-1200-webp", (1200, 800)),
                                          ("thumbnail-400", (400, 400)),
                                          ("original", (2400, 1600))])
def test_the_emulator_serves_the_presets_size(client_for, bob, uploaded, presets, preset, size):
    # when
    location = client_for(bob).get(_download(uploaded, preset))["Location"]
    served = requests.get(location, timeout=10)
    # then
    assert served.status_code == 200, served.headers.get("X-Cld-Error")
    assert "attachment" in served.headers.get("Content-Disposition", "")
    assert Image.open(io.BytesIO(served.content)).size == size


def test_an_expired_or_tampered_link_is_refused_by_cloudinary(client_for, bob, uploaded, presets):
    # given
    signed = client_for(bob).get(_download(uploaded, "web-1200-webp"))["Location"]
    expired = cloudinary.utils.private_download_url(
        uploaded.release_public_id, "png", type="authenticated",
        expires_at=int(time.time()) - 5)
    # when
    tampered = requests.get(signed.replace("w_1200", "w_2400"), timeout=10)
    too_late = requests.get(expired, timeout=10)
    # then
    assert tampered.status_code == 403
    assert too_late.status_code == 403


def test_the_emulator_serves_the_zip(client_for, bob, uploaded, presets, eu_retailers):
    # given
    other = asset_from_upload(upload_image("kestrel/trail/tb2-side", 800, 600), title="Side")
    f.PublicationFactory(community=eu_retailers, asset=other)
    # when
    location = client_for(bob).post(reverse("assets:download_zip"), {
        "asset": [uploaded.pk, other.pk], "preset": "web-1200-webp"})["Location"]
    served = requests.get(location, timeout=10)
    # then
    assert served.status_code == 200, served.text
    names = zipfile.ZipFile(io.BytesIO(served.content)).namelist()
    assert len(names) == 2 and all(name.endswith(".webp") for name in names)


# --------------------------------------------------------------- file names (issue #18)

def _saved_name(response) -> str:
    disposition = response.headers.get("Content-Disposition", "")
    assert disposition.startswith("attachment; filename="), disposition
    return disposition.split("filename=", 1)[1].strip('"')


@pytest.fixture
def ridge_runner(cloudinary_emulator, eu_retailers):
    result = upload_image("kestrel/trail/ridge-runner-box", 1600, 1200, "authenticated")
    asset = asset_from_upload(result, title="Ridge Runner box")
    f.PublicationFactory(community=eu_retailers, asset=asset)
    return asset


def test_each_preset_saves_under_its_own_meaningful_name(client_for, bob, ridge_runner,
                                                         presets):
    # when
    names = {}
    for preset in ("original", "web-1920-jpg", "web-1200-webp", "mobile-640", "thumbnail-400"):
        location = client_for(bob).get(_download(ridge_runner, preset))["Location"]
        served = requests.get(location, timeout=10)
        assert served.status_code == 200, served.headers.get("X-Cld-Error")
        names[preset] = _saved_name(served)
    # then
    assert names == {
        "original": "ridge-runner-box.png",
        "web-1920-jpg": "ridge-runner-box_web-1920.jpg",
        "web-1200-webp": "ridge-runner-box_web-1200.webp",
        "mobile-640": "ridge-runner-box_mobile-640.jpg",
        "thumbnail-400": "ridge-runner-box_thumbnail-400.jpg",
    }


def test_zip_entries_are_named_after_the_assets_never_the_transformation(
        client_for, bob, ridge_runner, uploaded, presets):
    # when
    response = client_for(bob).post(reverse("assets:download_zip"), {
        "asset": [ridge_runner.pk, uploaded.pk], "preset": "web-1920-jpg"})
    served = requests.get(response["Location"], timeout=10)
    # then
    assert served.status_code == 200, served.text
    assert _saved_name(served) == "assets-2_web-1920.zip"
    names = sorted(zipfile.ZipFile(io.BytesIO(served.content)).namelist())
    assert names == ["ridge-runner-box_web-1920.jpg", "tb2-hero_web-1920.jpg"]


def test_a_selection_of_images_and_a_pdf_is_one_zip(client_for, bob, ridge_runner, presets,
                                                     eu_retailers):
    # given: a raw file beside the image
    result = cloudinary.uploader.upload(io.BytesIO(b"%PDF-1.4 spec"), resource_type="raw",
                                        public_id="kestrel/docs/ridge-runner-spec.pdf",
                                        type="authenticated")
    sheet = asset_from_upload(result, title="Ridge Runner spec sheet")
    f.PublicationFactory(community=eu_retailers, asset=sheet)
    # when
    response = client_for(bob).post(reverse("assets:download_zip"), {
        "asset": [ridge_runner.pk, sheet.pk], "preset": "original"})
    served = requests.get(response["Location"], timeout=10)
    # then
    assert served.status_code == 200, served.text
    names = sorted(zipfile.ZipFile(io.BytesIO(served.content)).namelist())
    assert names == ["ridge-runner-box.png", "ridge-runner-spec.pdf"]


def test_a_zip_preset_not_offered_for_every_asset_is_refused_by_name(client_for, bob,
                                                                     alice_asset, presets):
    # given
    sheet = f.AssetFactory(resource_type="raw", title="Spec sheet", format="")
    f.PublicationFactory(community=alice_asset.publications.first().community, asset=sheet)
    # when
    response = client_for(bob).post(reverse("assets:download_zip"), {
        "asset": [alice_asset.pk, sheet.pk], "preset": "web-1200-webp"}, follow=True)
    # then
    assert "Web 1200 WebP is not offered for “Spec sheet”" in response.content.decode()
    assert _downloads() == []


def test_a_download_reads_the_partners_communities_once_and_names_the_publishing_one(
        client_for, bob, alpine, presets, eu_retailers):
    # given: bob is in two communities; the asset is published only to the second
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.catalog.fixtures import published_asset

    outdoor = f.CommunityFactory(tg_id="COMM-OUTDOOR", name="Outdoor Specialists")
    f.MembershipFactory(user=bob, community=outdoor, partner=alpine)
    asset = published_asset(outdoor, title="Trail poster")
    client = client_for(bob)
    client.get(_download(asset, "web-1200-webp"))  # warm: the session, the user's roles
    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_download(asset, "web-1200-webp"))
    # then: one read of his memberships serves the visibility rule, the preset, its
    # community override and the audit's attribution (#17: it was two); the audit names the
    # community that published the asset
    assert response.status_code == 302
    membership_reads = [q for q in queries.captured_queries
                        if 'FROM "communities_membership"' in q["sql"]]
    assert len(membership_reads) == 1, [q["sql"][:120] for q in membership_reads]
    assert _downloads()[-1].community_id == outdoor.pk


@pytest.mark.parametrize("group", [None, "Content team", "Support staff"])
def test_a_members_staff_roles_come_with_his_memberships_in_one_query(
        bob, eu_retailers, group, django_assert_num_queries):
    # given: bob, a member of EU Retailers, in a staff group or none
    from django.contrib.auth.models import Group

    from accounts.models import User
    from accounts.roles import is_content_team, is_support_staff
    from communities.visibility import rule_and_memberships

    if group:
        bob.groups.add(Group.objects.get_or_create(name=group)[0])
    fresh = User.objects.get(pk=bob.pk)  # nothing read about him yet, as in a new request
    # when: one query reads his memberships and his staff groups
    with django_assert_num_queries(1):
        rule, memberships = rule_and_memberships(fresh)
        roles = (is_content_team(fresh), is_support_staff(fresh))
    # then: staff see everything; a partner gets his communities
    assert [m.community_id for m in memberships] == [eu_retailers.pk]
    assert rule.staff == (group is not None)
    assert roles == (group == "Content team", group == "Support staff")


def test_a_download_costs_a_pinned_number_of_queries(client_for, bob, alice_asset, presets):
    # given: a warm client (the session exists)
    from tests.helpers import count_queries

    client = client_for(bob)
    client.get(_download(alice_asset, "web-1200-webp"))
    # when
    with count_queries() as queries:
        response = client.get(_download(alice_asset, "web-1200-webp"))
    # then: session, user, memberships (rule, attribution and his staff groups: no groups
    # query), the asset with its approved version, the preset with its kinds and override
    # (one statement), and the audit append (lock, head, insert, inside BEGIN/COMMIT).
    # #17: 14 before (a second membership read), then 13, then 11 (the preset's kinds
    # and override were two more), now 10.
    assert response.status_code == 302
    assert len(queries) == 10, [q["sql"][:80] for q in queries.captured_queries]


@pytest.mark.parametrize("preset_kinds, asset_kind, resource_types, offered", [
    ([], "packaging", [], True),
    (["packaging"], "packaging", [], True),
    (["packaging"], "banner", [], False),
    (["packaging", "banner"], "banner", [], True),
    (["packaging"], None, [], False),
    ([], "packaging", ["video"], False),
    (["packaging"], "packaging", ["image"], True),
    (["banner"], "packaging", ["image"], False),
])
def test_a_download_offers_a_preset_exactly_when_the_asset_page_does(
        bob, eu_retailers, preset_kinds, asset_kind, resource_types, offered):
    # given: a preset for some kinds and resource types (#17: preset_for reads its kinds as
    # two flags in the preset's own statement; the asset page uses preset_applies)
    from django.http import Http404

    from assets.downloads import preset_for
    from assets.selectors import preset_applies

    preset = f.DownloadPresetFactory(slug="for-some-kinds", resource_types=resource_types)
    preset.kinds.set([f.AssetKindFactory(slug=slug) for slug in preset_kinds])
    asset = f.AssetFactory(kind=f.AssetKindFactory(slug=asset_kind) if asset_kind else None)
    f.PublicationFactory(community=eu_retailers, asset=asset)
    # when
    try:
        downloadable = preset_for(asset, "for-some-kinds", bob).pk == preset.pk
    except Http404:
        downloadable = False
    # then
    assert downloadable == offered == preset_applies(preset, asset)


def test_a_rejected_asset_is_not_downloadable_and_a_new_approved_version_is(
        client_for, bob, alice_asset, presets):
    # given
    from assets.models import ApprovalState, Asset

    client = client_for(bob)
    assert client.get(_download(alice_asset, "web-1200-webp")).status_code == 302
    # when: the asset is no longer approved
    Asset.objects.filter(pk=alice_asset.pk).update(approval_state=ApprovalState.REJECTED)
    # then
    assert client.get(_download(alice_asset, "web-1200-webp")).status_code == 404
    # when: approved again with a new released copy
    Asset.objects.filter(pk=alice_asset.pk).update(
        approval_state=ApprovalState.APPROVED, release_public_id="kestrel/new-copy",
        release_version=1234567)
    location = client.get(_download(alice_asset, "web-1200-webp"))["Location"]
    # then: the link points at the new copy
    assert location.endswith("v1234567/kestrel/new-copy.webp")
