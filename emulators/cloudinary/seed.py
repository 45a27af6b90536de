"""Seeds: the taxonomy, the deterministic "Kestrel Outdoor" demo cloud, and bulk assets.

The taxonomy (metadata field external ids and datasource values) is a contract other
engineers code against — change it only together with them.
"""

from __future__ import annotations

import calendar
import io
import random

from PIL import Image

from . import seed_art
from .media import inspect
from .store import Resource, Store, etag_of, new_asset_id

PRODUCT_LINES = {"trail": "Trail Series", "summit": "Summit Pro", "urban": "Urban Commuter",
                 "kids": "Kestrel Kids"}
CAMPAIGNS = {"winter-2026": "Winter Launch 2026", "spring-2027": "Spring 2027",
             "summer-2027": "Summer Trails 2027", "evergreen": "Evergreen"}
MARKETS = {"us": "United States (en-US)", "de": "Germany (de-DE)", "fr": "France (fr-FR)",
           "jp": "Japan (ja-JP)", "gb": "United Kingdom (en-GB)"}
ASSET_KINDS = {"product_shot": "Product shot", "banner": "Banner",
               "campaign_visual": "Campaign visual", "spec_sheet": "Spec sheet",
               "packaging": "Packaging", "compliance_label": "Compliance label",
               "regulatory_visual": "Regulatory visual", "video": "Video"}
LOCALES = {"us": "en-US", "de": "de-DE", "fr": "fr-FR", "jp": "ja-JP", "gb": "en-GB"}
PRODUCTS = {
    "trail": ["trailblazer-2", "ridge-runner", "scree-hopper", "switchback-gtx"],
    "summit": ["summit-pro-jacket", "alpine-shell", "ice-axe-x", "basecamp-tent"],
    "urban": ["metro-pack", "commuter-shell", "city-trek-shoe"],
    "kids": ["puddle-jumper", "mini-explorer", "trail-cub-pack"],
}
COLOURS = ["slate", "ember", "moss", "glacier", "sunrise"]
SEED_EPOCH = calendar.timegm((2026, 6, 1, 8, 0, 0, 0, 0, 0))


def _enum(external_id: str, label: str, values: dict, kind: str = "enum") -> dict:
    return {"type": kind, "external_id": external_id, "label": label, "mandatory": False,
            "default_value": None, "validation": None, "default_disabled": False,
            "restrictions": {"readonly_ui": False}, "allow_dynamic_list_values": False,
            "datasource": {"values": [{"external_id": k, "value": v, "state": "active"}
                                      for k, v in values.items()]}}


def _string(external_id: str, label: str) -> dict:
    return {"type": "string", "external_id": external_id, "label": label, "mandatory": False,
            "default_value": None, "validation": None, "default_disabled": False,
            "restrictions": {"readonly_ui": False}}


def seed_taxonomy(store: Store) -> None:
    """Define the structured metadata fields (idempotent)."""
    fields = [
        _enum("product_line", "Product line", PRODUCT_LINES),
        _enum("campaign", "Campaign", CAMPAIGNS),
        _enum("market", "Market", MARKETS, kind="set"),
        _enum("asset_kind", "Asset kind", ASSET_KINDS),
        _string("title", "Title"),
        _string("locale", "Locale"),
    ]
    for field in fields:
        store.metadata_fields.setdefault(field["external_id"], field)


def _human(slug: str) -> str:
    return slug.replace("-", " ").title()


class DemoBuilder:
    """Builds the demo cloud asset by asset with deterministic ids, times and choices."""

    def __init__(self, store: Store):
        self.store = store
        self.rng = random.Random(20261126)
        self.clock = SEED_EPOCH
        self.resources: list[Resource] = []

    def tick(self, hours: float = 2.5) -> float:
        self.clock += int(hours * 3600) + self.rng.randint(0, 1800)
        return float(self.clock)

    def add(self, public_id: str, data: bytes, filename: str, *, line, campaign, markets, kind,
            title, palette, style="full", resource_type="image", locale=None,
            product=None) -> Resource:
        info = inspect(data, resource_type, filename)
        ts = self.tick()
        res = Resource(asset_id=new_asset_id(f"kestrel:{public_id}"), public_id=public_id,
                       resource_type=info.resource_type, type="upload", format=info.format,
                       version=int(ts), version_id=new_asset_id(f"v:{public_id}:{ts}"),
                       data=data, bytes=len(data), etag=etag_of(data), width=info.width,
                       height=info.height, pages=info.pages, duration=info.duration,
                       created_ts=ts, uploaded_ts=ts, updated_ts=ts,
                       asset_folder=public_id.rsplit("/", 1)[0],
                       display_name=title, original_filename=filename.rsplit(".", 1)[0])
        description = f"{title}: {ASSET_KINDS[kind].lower()} for {PRODUCT_LINES[line]}, " \
                      f"{CAMPAIGNS[campaign]}."
        res.context = {"title": title, "description": description, "alt": f"{title} ({palette})"}
        taxonomy_tags = [f"line:{line}", f"campaign:{campaign}", f"kind:{kind}"] + \
            [f"market:{m}" for m in markets]
        plain = [palette] + ([product] if product else [])
        if style in ("full", "tags_only"):
            res.tags = sorted(set(taxonomy_tags + plain))
        else:
            res.tags = sorted(set(plain))
        if style == "full":
            res.metadata = {"product_line": line, "campaign": campaign, "market": list(markets),
                            "asset_kind": kind, "title": title}
            if locale:
                res.metadata["locale"] = locale
        elif style == "context_only":
            res.context.update({"product_line": line, "campaign": campaign,
                                "market": ",".join(markets), "asset_kind": kind})
        res.tags_ts = res.context_ts = ts
        res.metadata_ts = ts if res.metadata else None
        roll = self.rng.random()
        res.moderation_kind = "manual"
        res.moderation_status = "pending" if roll < 0.15 else "rejected" if roll < 0.25 \
            else "approved"
        res.moderation_ts = ts
        self.resources.append(res)
        return res

    def relate(self, res: Resource, other: Resource) -> None:
        """Related assets, both ways, as ``add_related_assets`` makes them."""
        self.store.related.setdefault(res.asset_id, set()).add(other.asset_id)
        self.store.related.setdefault(other.asset_id, set()).add(res.asset_id)

    def overwrite(self, res: Resource, data: bytes) -> None:
        """A new version of ``res`` (same asset id, new bytes, version, etag)."""
        ts = self.tick(24)
        res.versions.append({"version_id": res.version_id, "version": str(res.version),
                             "format": res.format, "size": res.bytes,
                             "time": res.uploaded_at, "restorable": False})
        info = inspect(data, res.resource_type)
        res.version, res.version_id = int(ts), new_asset_id(f"v:{res.public_id}:{ts}")
        res.data, res.bytes, res.etag = data, len(data), etag_of(data)
        res.width, res.height = info.width, info.height
        res.uploaded_ts = res.updated_ts = ts


def seed_demo(store: Store) -> int:
    """Create the Kestrel Outdoor demo cloud (~300 assets); returns the number created."""
    seed_taxonomy(store)
    build = DemoBuilder(store)
    _products(build)
    _campaigns(build)
    _regulatory_and_legacy(build)
    return store.add_many(build.resources)


def _products(build: DemoBuilder) -> None:
    sizes = {"front": (1200, 1200), "side": (1600, 1200), "back": (1200, 1600),
             "detail": (1000, 1000), "lifestyle": (1920, 1280)}
    campaigns = list(CAMPAIGNS)
    for line, products in PRODUCTS.items():
        for index, product in enumerate(products):
            campaign = campaigns[index % len(campaigns)]
            colours = [COLOURS[(index + k) % len(COLOURS)] for k in range(2)]
            markets = ["us", "gb", "de"] if index % 2 else ["us", "fr", "jp"]
            for colour in colours:
                for angle, size in sizes.items():
                    pid = f"kestrel/{line}/product/{product}-{colour}-{angle}"
                    if colour == colours[0] and angle == "front":
                        pid = f"kestrel/{line}/product/{product}-front"
                    title = f"{_human(product)} {colour.title()} {angle.title()}"
                    data = seed_art.picture(size, title, PRODUCT_LINES[line], colour, pid)
                    res = build.add(pid, data, f"{product}-{angle}.jpg", line=line,
                                    campaign=campaign, markets=markets, kind="product_shot",
                                    title=title, palette=colour, product=product)
                    if angle == "front" and colour == colours[0] and index < 2:
                        for version in (2, 3)[: 1 + index % 2 + (line == "trail")]:
                            build.overwrite(res, seed_art.picture(
                                size, f"{title} v{version}", "Updated artwork",
                                COLOURS[(index + version + 2) % 5], f"{pid}-v{version}"))
            _product_documents(build, line, product, index, campaign, markets)


def _product_documents(build, line, product, index, campaign, markets) -> None:
    name = _human(product)
    pdf = seed_art.spec_sheet(f"{name} spec sheet", 1 + index % 3, product)
    build.add(f"kestrel/{line}/spec/{product}-spec-sheet", pdf, f"{product}-spec.pdf",
              line=line, campaign="evergreen", markets=markets, kind="spec_sheet",
              title=f"{name} spec sheet", palette="paper", product=product)
    pack = seed_art.picture((1000, 1000), f"{name} packaging", "Retail box artwork", "kraft",
                            f"{product}-pack", fmt="PNG")
    build.add(f"kestrel/{line}/packaging/{product}-box", pack, f"{product}-box.png", line=line,
              campaign=campaign, markets=markets, kind="packaging",
              title=f"{name} packaging", palette="kraft", product=product)
    for market in markets[:2]:
        card = seed_art.label((600, 800), f"{name} label", [
            f"Market: {MARKETS[market]}", "Materials: 100% recycled polyester",
            "Care: wash cold, line dry", f"Batch KO-{index:03d}-{market.upper()}"],
            f"{product}-{market}")
        build.add(f"kestrel/{line}/compliance/{product}-label-{market}", card,
                  f"{product}-label-{market}.png", line=line, campaign="evergreen",
                  markets=[market], kind="compliance_label", title=f"{name} label {market}",
                  palette="paper", locale=LOCALES[market])


def _campaigns(build: DemoBuilder) -> None:
    for c_index, (campaign, campaign_label) in enumerate(CAMPAIGNS.items()):
        for l_index, (line, line_label) in enumerate(PRODUCT_LINES.items()):
            palette = COLOURS[(c_index + l_index) % len(COLOURS)]
            markets = ["us", "gb", "de", "fr", "jp"][: 2 + (c_index + l_index) % 4]
            for size, shape in (((1920, 600), "wide"), ((600, 1920), "tall")):
                pid = f"kestrel/{line}/campaign/{campaign}/banner-{shape}"
                title = f"{campaign_label} - {line_label}"
                data = seed_art.picture(size, title, "Banner", palette, pid)
                build.add(pid, data, f"banner-{shape}.jpg", line=line, campaign=campaign,
                          markets=markets, kind="banner", title=title, palette=palette)
            pid = f"kestrel/{line}/campaign/{campaign}/hero"
            title = f"{line_label} {campaign_label}"
            data = seed_art.picture((1600, 900), title, "Campaign visual", palette, pid)
            hero = build.add(pid, data, "hero.jpg", line=line, campaign=campaign,
                             markets=markets, kind="campaign_visual", title=title,
                             palette=palette, locale="en-US")
            if campaign in ("winter-2026", "spring-2027"):
                for market in ("de", "fr", "jp"):
                    local = seed_art.picture((1600, 900), f"{title} ({LOCALES[market]})",
                                             "Localised visual", palette, f"{pid}-{market}")
                    variant = build.add(f"{pid}-{market}", local, f"hero-{market}.jpg",
                                        line=line, campaign=campaign, markets=[market],
                                        kind="campaign_visual",
                                        title=f"{title} {market.upper()}", palette=palette,
                                        locale=LOCALES[market])
                    build.relate(hero, variant)  # the locale versions of the en-US master
        for line in list(PRODUCT_LINES)[:2] if campaign != "evergreen" else []:
            pid = f"kestrel/{line}/video/{campaign}-teaser"
            clip, ext = seed_art.teaser(f"{CAMPAIGNS[campaign]}", COLOURS[c_index])
            build.add(pid, clip, f"{campaign}-teaser.{ext}", line=line, campaign=campaign,
                      markets=["us", "gb"], kind="video", title=f"{campaign_label} teaser",
                      palette=COLOURS[c_index], resource_type="video")


def _regulatory_and_legacy(build: DemoBuilder) -> None:
    for market, market_label in MARKETS.items():
        card = seed_art.label((800, 600), "Safety notice", [
            market_label, "Keep away from open flame", "Not suitable under 3 years"], market)
        build.add(f"kestrel/regulatory/{market}/safety-notice", card, "safety.png",
                  line="kids", campaign="evergreen", markets=[market],
                  kind="regulatory_visual", title=f"Safety notice {market.upper()}",
                  palette="paper", locale=LOCALES[market])
    lines = list(PRODUCT_LINES)
    for index in range(14):
        line = lines[index % 4]
        product = PRODUCTS[line][index % len(PRODUCTS[line])]
        style = "tags_only" if index % 2 == 0 else "context_only"
        colour = COLOURS[index % 5]
        pid = f"kestrel/legacy/{line}/{product}-archive-{index:02d}"
        title = f"{_human(product)} archive shot {index}"
        data = seed_art.picture((800, 800), title, "Legacy asset", colour, pid)
        build.add(pid, data, f"{product}-archive.jpg", line=line,
                  campaign=list(CAMPAIGNS)[index % 4], markets=["us"], kind="product_shot",
                  title=title, palette=colour, style=style, product=product)


_PLACEHOLDER: bytes | None = None


def placeholder_png() -> bytes:
    """A tiny valid PNG used as the bytes of bulk assets."""
    global _PLACEHOLDER
    if _PLACEHOLDER is None:
        out = io.BytesIO()
        Image.new("RGB", (8, 8), (90, 110, 130)).save(out, "PNG")
        _PLACEHOLDER = out.getvalue()
    return _PLACEHOLDER


def seed_bulk(store: Store, n: int, prefix: str = "bulk", resource_type: str = "image",
              start_ts: float | None = None, step_seconds: float = 1.0,
              moderation: bool = True, seed: int = 7) -> int:
    """Create ``n`` synthetic assets fast (no rendering): ``<prefix>/<line>/asset-000001``.

    Sizes, tags, context and metadata are spread over the demo taxonomy; creation times
    start at ``start_ts`` (default: ``n`` steps before now) and advance by ``step_seconds``.
    """
    import time

    seed_taxonomy(store)
    rng = random.Random(seed)
    data = placeholder_png()
    etag = etag_of(data)
    start = start_ts if start_ts is not None else time.time() - n * step_seconds - 60
    lines, campaigns, markets, kinds = (list(PRODUCT_LINES), list(CAMPAIGNS), list(MARKETS),
                                        [k for k in ASSET_KINDS if k != "video"])
    sizes = [(1200, 1200), (1600, 1200), (1200, 1600), (1920, 600), (600, 1920)]
    resources = []
    for i in range(n):
        line, campaign = lines[i % 4], campaigns[(i // 4) % 4]
        kind, colour = kinds[i % len(kinds)], COLOURS[i % 5]
        market_set = sorted(rng.sample(markets, 1 + i % 3))
        product = PRODUCTS[line][i % len(PRODUCTS[line])]
        width, height = sizes[i % len(sizes)]
        ts = start + i * step_seconds
        pid = f"{prefix}/{line}/asset-{i:06d}"
        title = f"{_human(product)} {colour} #{i}"
        roll = rng.random()
        resources.append(Resource(
            asset_id=new_asset_id(f"{prefix}:{i}"), public_id=pid, resource_type=resource_type,
            type="upload", format="png", version=int(ts), version_id=new_asset_id(f"v{i}"),
            data=data, bytes=len(data), etag=etag, width=width, height=height,
            created_ts=ts, uploaded_ts=ts, updated_ts=ts, tags_ts=ts, context_ts=ts,
            metadata_ts=ts, asset_folder=pid.rsplit("/", 1)[0], display_name=title,
            original_filename=f"asset-{i:06d}",
            tags=sorted({f"line:{line}", f"campaign:{campaign}", f"kind:{kind}", colour, product}
                        | {f"market:{m}" for m in market_set}),
            context={"title": title, "description": f"Synthetic {kind} for {line}.",
                     "alt": title},
            metadata={"product_line": line, "campaign": campaign, "market": market_set,
                      "asset_kind": kind, "title": title},
            moderation_kind="manual" if moderation else None,
            moderation_status=("pending" if roll < .15 else "rejected" if roll < .25
                               else "approved") if moderation else None,
            moderation_ts=ts if moderation else None))
    return store.add_many(resources)
