"""Masters and locale variants through the real SDK against the emulator (issue #14).

The relation comes from Cloudinary's related assets (or the `master` convention); each
partner gets the variant for their market and language, falling back to the master; a
variant is visible by its own approval and publications.
"""

import io

import cloudinary.api
import cloudinary.uploader
import pytest

from assets import services
from assets.models import ApprovalState, Asset
from assets.sync import relations, sync_full
from assets.variants import family_for, variant_for
from audit.models import Event
from tests import factories as f
from tests.catalog.media import png_bytes

pytestmark = pytest.mark.django_db

BANNER = "kestrel/trail/campaign/spring/banner"


def upload(public_id, locale=None, **context):
    if locale:
        context["locale"] = locale
    context.setdefault("kind", "banner")
    context.setdefault("title", "Spring banner")
    return cloudinary.uploader.upload(io.BytesIO(png_bytes(400, 200)), public_id=public_id,
                                      type="upload", context=context)


@pytest.fixture
def markets(eu_retailers, jp_resellers):
    de = f.MarketFactory(slug="de", name="Germany", language="de-DE")
    jp = f.MarketFactory(slug="jp", name="Japan", language="ja-JP")
    eu_retailers.markets.set([de])
    jp_resellers.markets.set([jp])
    return {"de": de, "jp": jp}


def publish_and_approve(assets, communities, content, capture, approve):
    for asset in assets:
        for community in communities:
            f.PublicationFactory(community=community, asset=asset)
    with capture(execute=True):
        services.asset_set_approval(assets=approve, state=ApprovalState.APPROVED,
                                    actor=content)


@pytest.fixture
def banner_family(protected_cloud, markets, eu_retailers, jp_resellers, content,
                  django_capture_on_commit_callbacks):
    """A master banner related to its ja-JP, de-DE and fr-FR variants (fr unapproved),
    all published to EU Retailers and Japan Resellers."""
    upload(BANNER)
    for locale in ("ja-JP", "de-DE", "fr-FR"):
        upload(f"{BANNER}-{locale.lower()}", locale=locale)
    answer = cloudinary.api.add_related_assets(
        BANNER, [f"image/upload/{BANNER}-{loc}" for loc in ("ja-jp", "de-de", "fr-fr")])
    assert len(answer["success"]) == 3
    with django_capture_on_commit_callbacks(execute=True):
        sync_full()
    family = {a.locale or "master": a for a in Asset.objects.all()}
    approve = [family[k] for k in ("master", "ja-JP", "de-DE")]
    publish_and_approve(family.values(), [eu_retailers, jp_resellers], content,
                        django_capture_on_commit_callbacks, approve)
    return {k: Asset.objects.get(pk=a.pk) for k, a in family.items()}


def test_the_sync_reads_masters_from_related_assets(banner_family):
    master = banner_family["master"]
    for locale in ("ja-JP", "de-DE", "fr-FR"):
        variant = banner_family[locale]
        assert variant.master_id == master.pk and variant.master_source == "related"
    assert master.master_id is None
    assert Event.objects.filter(action="asset.master_changed").count() == 3


def test_charlie_gets_ja_jp_and_bob_gets_de_de_and_the_unapproved_variant_is_invisible(
        banner_family, bob, charlie, client_for):
    master = banner_family["master"]

    # when
    for_charlie, for_bob = variant_for(charlie, master), variant_for(bob, master)

    # then
    assert (for_charlie.asset.locale, for_charlie.reason) == ("ja-JP", "language")
    assert (for_bob.asset.locale, for_bob.reason) == ("de-DE", "language")
    assert for_charlie.label == "ja-JP version (your language)"
    for user in (bob, charlie):
        assert [a.locale for a in family_for(user, master)] == ["", "de-DE", "ja-JP"]
        assert not Asset.objects.visible_to(user).filter(pk=banner_family["fr-FR"].pk).exists()
    # a variant page leads to the same choice
    assert variant_for(bob, banner_family["ja-JP"]).asset.locale == "de-DE"

    # and the API says the same (schema-validated in tests/api)
    body = client_for(charlie).get(f"/api/v1/assets/{master.pk}/").json()
    assert body["variant_for_you"]["locale"] == "ja-JP"
    assert [v["locale"] for v in body["variants"]] == ["", "de-DE", "ja-JP"]
    assert body["variants"][0]["is_master"] is True
    hidden = client_for(charlie).get(f"/api/v1/assets/{banner_family['fr-FR'].pk}/")
    assert hidden.status_code == 404


def test_without_a_visible_variant_the_partner_gets_the_master(
        banner_family, bob, eu_retailers):
    # the master's publication carries its approved variants (communities/visibility.py),
    # so they are hidden here by their own state
    Asset.objects.filter(pk__in=[banner_family["de-DE"].pk, banner_family["ja-JP"].pk]
                         ).update(retired=True)
    choice = variant_for(bob, banner_family["master"])
    assert (choice.asset.pk, choice.reason) == (banner_family["master"].pk, "master")


def test_a_masters_publication_brings_its_approved_variants_to_the_community(
        banner_family, bob, eu_retailers):
    from communities.models import Publication

    # given: only the master is published to EU Retailers
    Publication.objects.filter(community=eu_retailers).exclude(
        asset=banner_family["master"]).delete()

    # then: bob still gets the de-DE variant, never the unapproved fr-FR one
    assert variant_for(bob, banner_family["master"]).asset.locale == "de-DE"
    assert [a.locale for a in family_for(bob, banner_family["master"])] == [
        "", "de-DE", "ja-JP"]


def test_a_community_language_set_by_the_content_team_wins_over_its_markets(
        banner_family, bob, eu_retailers, content):
    from communities.services import community_set_defaults

    community_set_defaults(community=eu_retailers, languages=["ja"], presets=[],
                           actor=content)
    assert variant_for(bob, banner_family["master"]).asset.locale == "ja-JP"
    with pytest.raises(ValueError, match="not a language tag"):
        community_set_defaults(community=eu_retailers, languages=["ja", "?!"], presets=[],
                               actor=content)
    eu_retailers.refresh_from_db()
    assert eu_retailers.languages == ["ja"]  # the bad input lost nothing


def test_unrelating_in_cloudinary_reaches_the_portal_on_the_next_notification_or_repair(
        banner_family):
    variant = banner_family["de-DE"]
    cloudinary.api.delete_related_assets(BANNER, [f"image/upload/{variant.public_id}"])

    assert relations.refresh_all() == 1
    variant.refresh_from_db()
    assert variant.master_id is None
    assert relations.refresh_all() == 0  # idempotent


def test_the_master_convention_is_the_fallback_and_costs_no_call(
        cloudinary_emulator, django_capture_on_commit_callbacks):
    upload("kestrel/pack/box")
    upload("kestrel/pack/box-de", locale="de-DE", master="kestrel/pack/box")
    with django_capture_on_commit_callbacks(execute=True):
        sync_full()
    calls = cloudinary_emulator.api_calls.get("resources.by_asset_id", 0)
    variant = Asset.objects.get(locale="de-DE")
    assert variant.master.public_id == "kestrel/pack/box"
    assert variant.master_source == "convention" and calls == 0


def test_relations_cost_one_call_per_localized_asset(
        cloudinary_emulator, django_capture_on_commit_callbacks):
    upload("kestrel/a")
    upload("kestrel/b")
    for i in range(4):
        upload(f"kestrel/a-{i}", locale=f"de-D{i}")
    cloudinary.api.add_related_assets("kestrel/a", [f"image/upload/kestrel/a-{i}"
                                                    for i in range(4)])
    with django_capture_on_commit_callbacks(execute=True):
        sync_full()
    assert cloudinary_emulator.api_calls["resources.by_asset_id"] == 4
    assert Asset.objects.filter(master__public_id="kestrel/a").count() == 4
    # an unchanged second sync reads no relations
    with django_capture_on_commit_callbacks(execute=True):
        sync_full()
    assert cloudinary_emulator.api_calls["resources.by_asset_id"] == 4


def test_a_notification_about_a_variant_rereads_its_relations(
        cloudinary_emulator, django_capture_on_commit_callbacks, client):
    from tests.assets.test_webhooks import post

    upload("kestrel/m")
    upload("kestrel/m-ja", locale="ja-JP")
    with django_capture_on_commit_callbacks(execute=True):
        sync_full()
    variant = Asset.objects.get(locale="ja-JP")
    assert variant.master_id is None
    cloudinary.api.add_related_assets("kestrel/m", ["image/upload/kestrel/m-ja"])

    # when: Cloudinary tells of a context change on the variant (no relation notification)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, {"notification_type": "resource_context_changed", "resources": {
            "kestrel/m-ja": {"asset_id": variant.asset_id, "public_id": "kestrel/m-ja",
                             "resource_type": "image", "type": "upload"}}})

    variant.refresh_from_db()
    assert variant.master.public_id == "kestrel/m"


def test_sync_assets_relations_repairs_every_master(
        cloudinary_emulator, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    upload("kestrel/m")
    upload("kestrel/m-ja", locale="ja-JP")
    with django_capture_on_commit_callbacks(execute=True):
        sync_full()
    cloudinary.api.add_related_assets("kestrel/m", ["image/upload/kestrel/m-ja"])
    out = io.StringIO()
    call_command("sync_assets", "--relations", stdout=out)
    assert "masters changed: 1" in out.getvalue()
    assert Asset.objects.get(locale="ja-JP").master.public_id == "kestrel/m"


def test_the_completeness_matrix_names_missing_and_unapproved_variants(
        banner_family, client_for, content, charlie, eu_retailers, jp_resellers, markets):
    from communities.completeness import completeness

    f.MarketFactory(slug="gb", name="United Kingdom", language="en-GB")
    eu_retailers.markets.add(*type(markets["de"]).objects.filter(slug="gb"))

    report = completeness(banner_family["ja-JP"].master)

    states = {row.locale: row.state for row in report.rows}
    assert states["ja-JP"] == "approved" and states["de-DE"] == "approved"
    assert states["en-GB"] == "missing"
    assert states["fr-FR"] == "unapproved"
    assert {r.locale for r in report.missing} == {"en-GB"}
    page = client_for(content).get(
        f"/staff/variants/assets/{banner_family['master'].pk}/").content.decode()
    assert "en-GB" in page and "missing" in page and "unapproved" in page
    assert client_for(charlie).get(
        f"/staff/variants/assets/{banner_family['master'].pk}/").status_code == 404


def _saved_name(response) -> str:
    disposition = response.headers.get("Content-Disposition", "")
    assert disposition.startswith("attachment; filename="), disposition
    return disposition.split("filename=", 1)[1].strip('"')


def test_downloads_and_zip_entries_are_named_after_master_locale_and_preset(
        banner_family, charlie, client_for):
    import zipfile

    import requests
    from django.urls import reverse

    from tests.catalog.fixtures import ensure_default_presets

    ensure_default_presets()
    client = client_for(charlie)
    japanese, master = banner_family["ja-JP"], banner_family["master"]

    # when
    names = {}
    for asset, preset in ((japanese, "original"), (japanese, "web-1200-webp"),
                          (master, "web-1200-webp")):
        location = client.get(reverse("assets:download", args=[asset.pk, preset]))["Location"]
        served = requests.get(location, timeout=10)
        assert served.status_code == 200, served.headers.get("X-Cld-Error")
        names[(asset.locale, preset)] = _saved_name(served)
    zipped = requests.get(client.post(reverse("assets:download_zip"), {
        "asset": [japanese.pk, master.pk], "preset": "web-1200-webp"})["Location"], timeout=10)

    # then: title, locale and preset; never the transformation
    assert names == {("ja-JP", "original"): "banner_ja-JP.png",
                     ("ja-JP", "web-1200-webp"): "banner_ja-JP_web-1200.webp",
                     ("", "web-1200-webp"): "banner_web-1200.webp"}
    assert sorted(zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()) == [
        "banner_ja-JP_web-1200.webp", "banner_web-1200.webp"]


def test_the_api_download_link_saves_under_master_locale_and_preset(
        banner_family, charlie, client_for):
    import re
    from urllib.parse import unquote

    import requests

    from tests.catalog.fixtures import ensure_default_presets

    ensure_default_presets()
    japanese = banner_family["ja-JP"]

    # when: charlie asks the API for links, as a partner's system would
    saved = {}
    for preset in ("original", "web-1200-webp", "mobile-640"):
        answer = client_for(charlie).post(f"/api/v1/assets/{japanese.pk}/download-links/",
                                          {"preset": preset}, content_type="application/json")
        assert answer.status_code == 201, answer.content
        url = answer.json()["url"]
        served = requests.get(url, timeout=10)
        assert served.status_code == 200, served.headers.get("X-Cld-Error")
        saved[preset] = (unquote(url), _saved_name(served))

    # then: the link asks Cloudinary for the file name, and the file is saved under it
    names = {preset: name for preset, (_, name) in saved.items()}
    assert names == {"original": "banner_ja-JP.png",
                     "web-1200-webp": "banner_ja-JP_web-1200.webp",
                     "mobile-640": "banner_ja-JP_mobile-640.jpg"}
    # the link carries the transformation; the name never does
    for preset, transformation in (("web-1200-webp", "c_limit,w_1200"),
                                   ("mobile-640", "w_640")):
        url, name = saved[preset]
        assert transformation in url and f"fl_attachment:{name.rsplit('.', 1)[0]}" in url
        assert not re.search(r"[,:/]|(^|_)[a-z]{1,2}_", name), name
