"""A product shot whose Mobile 640 crop misses the product, mirrored and approved for EU
Retailers (shared by the rendering-quality tests and the browser test)."""

import io

import cloudinary.uploader
from PIL import Image, ImageDraw

from assets import services
from assets.models import ApprovalState, Asset, DownloadPreset
from assets.sync import sync_full
from tests import factories as f
from tests.catalog.fixtures import ensure_default_presets

# The brand's mobile crop: portrait 640 x 800 around what g_auto finds most salient.
MOBILE_CROP = "c_fill,g_auto,w_640,h_800"
PRODUCT_BOX = [1200, 250, 300, 300]  # the red product, in the original's pixels
RED = (210, 20, 30)


def product_shot() -> bytes:
    """1600 x 800: a busy striped banner on the left (what the saliency stand-in picks) and
    the flat red product on the right, on a light grey studio background."""
    image = Image.new("RGB", (1600, 800), (235, 235, 235))
    draw = ImageDraw.Draw(image)
    for x in range(0, 420, 40):
        draw.rectangle((x, 0, x + 19, 799), fill=(0, 0, 0))
    x, y, w, h = PRODUCT_BOX
    draw.rectangle((x, y, x + w - 1, y + h - 1), fill=RED)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def red_fraction(image: Image.Image) -> float:
    """Share of pixels that are clearly the product's red."""
    data = image.convert("RGB").tobytes()
    red = sum(1 for i in range(0, len(data), 3)
              if data[i] > 170 and data[i + 1] < 90 and data[i + 2] < 90)
    return red / (len(data) // 3)


def is_red(pixel) -> bool:
    r, g, b = pixel[:3]
    return r > 170 and g < 90 and b < 90


def mirrored_product(eu_retailers, content, capture) -> Asset:
    """Upload, mirror, publish to EU Retailers and approve the product shot."""
    ensure_default_presets()
    DownloadPreset.objects.filter(slug="mobile-640").update(transformation=MOBILE_CROP)
    cloudinary.uploader.upload(io.BytesIO(product_shot()), public_id="kestrel/shots/trail-pack",
                               type="upload",
                               context={"kind": "product-shot", "title": "Trail pack"})
    with capture(execute=True):
        sync_full()
    asset = Asset.objects.get(public_id="kestrel/shots/trail-pack")
    f.PublicationFactory(community=eu_retailers, asset=asset)
    with capture(execute=True):
        services.asset_set_approval(assets=[asset], state=ApprovalState.APPROVED, actor=content)
    asset.refresh_from_db()
    assert asset.release_public_id
    return asset
