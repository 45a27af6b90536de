"""The demo seed: personas see different, realistic catalogs; seeding twice changes nothing."""

import io

from accounts.models import User
from assets.models import Asset
from communities.demo import seed
from communities.models import Publication
from tests import factories as f


def _catalog(db_assets):
    markets = {slug: f.MarketFactory(slug=slug) for slug in ("us", "de", "fr", "jp", "gb")}
    kinds = {slug: f.AssetKindFactory(slug=slug) for slug in
             ("packaging", "compliance_label", "spec_sheet", "banner")}
    f.CampaignFactory(slug="evergreen")
    return {
        "de_banner": f.AssetFactory(markets=[markets["de"]], kind=kinds["banner"]),
        "jp_banner": f.AssetFactory(markets=[markets["jp"]], kind=kinds["banner"]),
        "us_box": f.AssetFactory(markets=[markets["us"]], kind=kinds["packaging"]),
    }


def test_each_persona_sees_a_different_catalog(db, tg_emulator):
    # given
    assets = _catalog(db)
    out = io.StringIO()

    # when
    seed(out)

    # then
    def sees(email):
        return set(Asset.objects.visible_to(User.objects.get(email=email)))

    assert sees("alice@alpine-outfitters.example") == {assets["de_banner"]}
    assert sees("bob@alpine-outfitters.example") == {assets["de_banner"]}
    assert sees("charlie@sakura-trading.example") == {assets["jp_banner"]}
    packaging_supplier = User.objects.get(memberships__community__tg_id="COMM-PKG-SUPPLY",
                                          memberships__role="partner_admin",
                                          memberships__partner__tg_company_id="TGC-5001")
    assert sees(packaging_supplier.email) == {assets["us_box"]}
    assert "Publications: 9 created" in out.getvalue()


def test_seeding_twice_changes_nothing(db, tg_emulator):
    # given
    _catalog(db)
    seed(io.StringIO())
    publications = Publication.objects.count()
    out = io.StringIO()

    # when
    seed(out)

    # then
    assert Publication.objects.count() == publications
    assert "Publications: 0 created" in out.getvalue()
    assert "already in step" in out.getvalue()
