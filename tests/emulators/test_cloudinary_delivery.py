"""Delivery side of the Cloudinary emulator, driven by URLs the real SDK builds.

Every URL comes from ``cloudinary.utils`` (cloudinary_url, private_download_url,
download_zip_url, download_archive_url); the emulator's answer is checked for exact size,
format, headers and Cloudinary's error conventions. No Django, no database.
"""

import io
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cloudinary import utils
from PIL import Image

from emulators.cloudinary.delivery import Delivery
from emulators.cloudinary.store import Resource, Store

CLOUD, KEY, SECRET = "demo-cloud", "123456789012345", "s3cr3t-Abc"
HOST = "127.0.0.1:8765"
SDK = {"cloud_name": CLOUD, "api_key": KEY, "api_secret": SECRET}
CDN = {**SDK, "cname": HOST, "secure": False}
API = {**SDK, "upload_prefix": f"http://{HOST}"}
MAGIC = {"png": b"\x89PNG", "gif": b"GIF8", "jpg": b"\xff\xd8\xff", "pdf": b"%PDF"}


# ---------------------------------------------------------------- helpers


def two_tone(width=1200, height=800, top="red", bottom="blue", mode="RGB"):
    """An image whose upper half is `top` and lower half `bottom` (to see where crops land)."""
    image = Image.new(mode, (width, height), bottom)
    image.paste(Image.new(mode, (width, height // 2), top), (0, 0))
    return image


def encoded(image, fmt, **options):
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def add(store, public_id, data, fmt, resource_type="image", delivery_type="upload", tags=()):
    """Store an asset the way the upload API would (only the attributes delivery reads)."""
    width = height = pages = 0
    if resource_type == "image" and fmt != "pdf":
        with Image.open(io.BytesIO(data)) as image:
            width, height, pages = image.width, image.height, getattr(image, "n_frames", 1)
    resource = Resource(
        public_id=public_id, resource_type=resource_type, type=delivery_type, format=fmt,
        version=1764150000, data=data, bytes=len(data), width=width, height=height,
        pages=pages, asset_id=f"{abs(hash(public_id)):032x}"[:32], created_ts=time.time(),
        uploaded_ts=time.time(), updated_ts=time.time(), tags=sorted(tags),
    )
    return store.add(resource)


@pytest.fixture
def store():
    store = Store()
    add(store, "catalog/spring/hero", encoded(two_tone(), "JPEG"), "jpg", tags=["kit"])
    add(store, "logo", encoded(two_tone(400, 200, mode="RGBA"), "PNG"), "png", tags=["kit"])
    pages = [Image.new("RGB", (300, 200), c) for c in ("red", "green", "blue")]
    pdf = encoded(pages[0], "PDF", save_all=True, append_images=pages[1:])
    add(store, "docs/spec-sheet", pdf, "pdf")
    add(store, "docs/prices.csv", b"sku,price\nA1,10\n", None, resource_type="raw")
    add(store, "embargo/teaser", encoded(two_tone(), "JPEG"), "jpg",
        delivery_type="authenticated")
    add(store, "texture", encoded(Image.effect_noise((300, 200), 60).convert("RGB"), "PNG"),
        "png")
    store.named_transformations["banner"] = "c_fill,w_1000,h_250/f_png"
    return store


@pytest.fixture
def delivery(store):
    return Delivery(store, CLOUD, KEY, SECRET)


def get(delivery, public_id, **options):
    """Build a CDN URL with the SDK and ask the emulator for it."""
    url, _ = utils.cloudinary_url(public_id, **{**CDN, **options})
    parts = urlsplit(url)
    assert parts.netloc == HOST
    return delivery.serve(parts.path, parse_qs(parts.query))


def call_api(delivery, url):
    """Send an SDK-built API link (download / generate_archive) to the emulator."""
    parts = urlsplit(url)
    _, _, cloud, resource_type, action = parts.path.split("/")
    assert cloud == CLOUD
    handler = {"download": delivery.download, "generate_archive": delivery.archive}[action]
    return handler(resource_type, parse_qs(parts.query))


def near(pixel, colour, tolerance=8):
    """Lossy originals shift colours a little."""
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def picture(body):
    image = Image.open(io.BytesIO(body))
    image.load()
    return image


# ---------------------------------------------------------------- sizes and crop modes


@pytest.mark.parametrize(("options", "size"), [
    ({"width": 600, "height": 600, "crop": "scale"}, (600, 600)),
    ({"width": 600, "crop": "scale"}, (600, 400)),
    ({"width": 0.5, "crop": "scale"}, (600, 400)),
    ({"width": 600, "height": 600, "crop": "fit"}, (600, 400)),
    ({"width": 2400, "height": 2400, "crop": "fit"}, (2400, 1600)),
    ({"width": 600, "height": 600, "crop": "limit"}, (600, 400)),
    ({"width": 2400, "height": 2400, "crop": "limit"}, (1200, 800)),
    ({"width": 2400, "height": 2400, "crop": "mfit"}, (2400, 1600)),
    ({"width": 600, "height": 600, "crop": "mfit"}, (1200, 800)),
    ({"width": 640, "height": 480, "crop": "fill"}, (640, 480)),
    ({"width": 2000, "height": 500, "crop": "fill"}, (2000, 500)),
    ({"width": 300, "height": 300, "crop": "lfill"}, (300, 300)),
    ({"width": 2400, "height": 2400, "crop": "lfill"}, (800, 800)),
    ({"width": 600, "height": 600, "crop": "pad"}, (600, 600)),
    ({"width": 2400, "height": 1000, "crop": "lpad"}, (2400, 1000)),
    ({"width": 300, "height": 200, "crop": "crop"}, (300, 200)),
    ({"width": 5000, "height": 200, "crop": "crop"}, (1200, 200)),
    ({"width": 150, "height": 150, "crop": "thumb", "gravity": "face"}, (150, 150)),
    ({"width": 640, "aspect_ratio": "16:9", "crop": "fill"}, (640, 360)),
    ({"height": 300, "aspect_ratio": 1.5, "crop": "fill", "gravity": "auto"}, (450, 300)),
    ({"aspect_ratio": "1:1", "crop": "fill"}, (800, 800)),
    ({"width": 100, "height": 50, "crop": "scale", "dpr": 2}, (200, 100)),
    ({"width": 0.25, "crop": "fit", "dpr": "3.0"}, (900, 600)),
])
def test_each_crop_mode_delivers_the_documented_size(delivery, options, size):
    status, headers, body = get(delivery, "catalog/spring/hero", format="jpg", **options)

    assert status == 200, headers
    assert picture(body).size == size
    assert headers["Content-Type"] == "image/jpeg"


def test_fill_then_webp_delivers_a_640x480_webp(delivery):
    transformation = [{"width": 640, "height": 480, "crop": "fill"}, {"fetch_format": "webp"}]

    status, headers, body = get(delivery, "catalog/spring/hero", transformation=transformation)

    assert status == 200
    assert body[:4] == b"RIFF" and body[8:12] == b"WEBP"
    image = picture(body)
    assert (image.format, image.size) == ("WEBP", (640, 480))
    assert headers["Content-Type"] == "image/webp"
    assert headers["ETag"].startswith('"') and headers["Cache-Control"].startswith("public")


@pytest.mark.parametrize(("gravity", "colour"), [("north", (255, 0, 0)), ("south", (0, 0, 255))])
def test_gravity_chooses_the_kept_region(delivery, gravity, colour):
    options = {"width": 1200, "height": 100, "crop": "fill", "gravity": gravity}

    _, _, body = get(delivery, "catalog/spring/hero", format="png", **options)

    assert near(picture(body).convert("RGB").getpixel((600, 50)), colour)


def test_pad_letterboxes_with_the_background_colour(delivery):
    options = {"width": 1200, "height": 1200, "crop": "pad", "background": "#00ff00"}

    _, _, body = get(delivery, "catalog/spring/hero", format="png", **options)

    image = picture(body).convert("RGB")
    assert image.size == (1200, 1200)
    assert image.getpixel((5, 5)) == (0, 255, 0)
    assert near(image.getpixel((600, 300)), (255, 0, 0))


# ---------------------------------------------------------------- formats


@pytest.mark.parametrize(("fmt", "pil_format", "content_type"), [
    ("png", "PNG", "image/png"),
    ("webp", "WEBP", "image/webp"),
    ("gif", "GIF", "image/gif"),
    ("avif", "AVIF", "image/avif"),
    ("jpg", "JPEG", "image/jpeg"),
    ("pdf", None, "application/pdf"),
])
def test_the_extension_converts_the_format(delivery, fmt, pil_format, content_type):
    status, headers, body = get(delivery, "logo", format=fmt, width=200, crop="scale")

    assert status == 200
    assert headers["Content-Type"] == content_type
    if fmt in MAGIC:
        assert body.startswith(MAGIC[fmt])
    if pil_format:
        assert picture(body).format == pil_format


def test_f_auto_delivers_webp_and_q_sets_quality(delivery):
    low = get(delivery, "texture", fetch_format="auto", quality=10)
    high = get(delivery, "texture", fetch_format="auto", quality="auto:best")

    assert low[1]["Content-Type"] == high[1]["Content-Type"] == "image/webp"
    assert len(low[2]) < len(high[2])


def test_untransformed_url_delivers_the_original_bytes(delivery, store):
    status, headers, body = get(delivery, "catalog/spring/hero", format="jpg", version=99)

    assert status == 200
    assert body == store.get("image", "upload", "catalog/spring/hero").data
    assert headers["Content-Length"] == str(len(body))


def test_url_without_extension_keeps_the_original_format(delivery):
    status, headers, body = get(delivery, "logo", width=100, crop="scale")

    assert status == 200
    assert headers["Content-Type"] == "image/png"
    assert picture(body).size == (100, 50)


def test_pdf_page_is_rendered_from_the_embedded_page_image(delivery):
    status, headers, body = get(delivery, "docs/spec-sheet", format="png", page=2)

    assert status == 200
    image = picture(body).convert("RGB")
    assert image.size == (300, 200)
    assert image.getpixel((150, 100))[1] > 100  # page 2 is green


def test_pdf_is_delivered_as_is_and_missing_page_is_rejected(delivery, store):
    assert get(delivery, "docs/spec-sheet", format="pdf")[2] == store.get(
        "image", "upload", "docs/spec-sheet").data
    status, headers, _ = get(delivery, "docs/spec-sheet", format="jpg", page=9)
    assert status == 400 and "page 9" in headers["X-Cld-Error"]


def test_raw_files_are_delivered_unchanged(delivery):
    status, headers, body = get(delivery, "docs/prices.csv", resource_type="raw")

    assert (status, body) == (200, b"sku,price\nA1,10\n")
    assert headers["Content-Type"] == "text/csv"


# ---------------------------------------------------------------- named and chained


def test_named_transformation_is_expanded(delivery):
    status, _, body = get(delivery, "catalog/spring/hero", format="jpg", transformation="thumb")

    assert status == 200
    assert picture(body).size == (400, 400)


def test_named_transformation_can_chain_and_choose_the_format(delivery):
    status, headers, body = get(delivery, "catalog/spring/hero", format="jpg",
                                transformation=["banner"])

    assert status == 200
    assert headers["Content-Type"] == "image/png"
    assert picture(body).size == (1000, 250)


def test_chained_transformations_apply_in_order(delivery):
    chain = [{"width": 600, "crop": "scale"}, {"width": 300, "height": 300, "crop": "fill"},
             {"width": 0.5, "crop": "scale"}]

    _, _, body = get(delivery, "catalog/spring/hero", format="png", transformation=chain)

    assert picture(body).size == (150, 150)


@pytest.mark.parametrize("raw", ["c_bogus,w_100", "zz_5", "w_abc", "t_no_such_preset",
                                 "f_tga", "h_-5"])
def test_bad_transformation_is_a_400_with_x_cld_error(delivery, raw):
    status, headers, _ = get(delivery, "catalog/spring/hero", format="jpg",
                             raw_transformation=raw)

    assert status == 400
    assert headers["X-Cld-Error"].startswith("Invalid transformation")


def test_unknown_asset_is_a_404_with_x_cld_error(delivery):
    status, headers, _ = get(delivery, "catalog/spring/missing", format="jpg")

    assert status == 404
    assert headers["X-Cld-Error"] == "Resource not found - catalog/spring/missing"


# ---------------------------------------------------------------- signed URLs


@pytest.mark.parametrize("signing", [{}, {"long_url_signature": True},
                                     {"signature_algorithm": "sha256"}])
def test_signed_authenticated_url_is_delivered(delivery, signing):
    status, _, body = get(delivery, "embargo/teaser", type="authenticated", sign_url=True,
                          format="webp", width=320, crop="fill", height=180, **signing)

    assert status == 200
    assert picture(body).size == (320, 180)


def test_tampered_signature_is_refused(delivery):
    url, _ = utils.cloudinary_url("embargo/teaser", type="authenticated", sign_url=True,
                                  format="jpg", width=320, crop="scale", **CDN)
    tampered = urlsplit(url).path.replace("w_320", "w_3200")

    status, headers, _ = delivery.serve(tampered, {})

    assert status == 403
    assert headers["X-Cld-Error"] == "Invalid signature"


def test_signature_made_with_another_secret_is_refused(delivery):
    status, headers, _ = get(delivery, "catalog/spring/hero", format="jpg", sign_url=True,
                             api_secret="not-the-secret")

    assert (status, headers["X-Cld-Error"]) == (403, "Invalid signature")


def test_unsigned_authenticated_url_is_refused(delivery):
    status, headers, _ = get(delivery, "embargo/teaser", type="authenticated", format="jpg")

    assert status == 403
    assert headers["X-Cld-Error"] == "Missing signature"


# ---------------------------------------------------------------- private_download_url


def download_url(public_id, fmt, **options):
    return utils.private_download_url(public_id, fmt, **{**API, **options})


def test_private_download_url_returns_the_asset_as_attachment(delivery):
    url = download_url("embargo/teaser", "png", type="authenticated", attachment=True,
                       expires_at=int(time.time()) + 600)

    status, headers, body = call_api(delivery, url)

    assert status == 200
    assert picture(body).format == "PNG"
    assert headers["Content-Disposition"] == 'attachment; filename="teaser.png"'


@pytest.mark.parametrize("signing", [{"signature_algorithm": "sha256"},
                                     {"signature_version": 1}])
def test_download_link_signed_with_other_sdk_settings_is_accepted(delivery, signing):
    status, headers, _ = call_api(delivery, download_url("logo", "webp", **signing))

    assert (status, headers["Content-Type"]) == (200, "image/webp")


def test_private_download_url_of_a_raw_file(delivery):
    url = download_url("docs/prices.csv", "", resource_type="raw")

    status, headers, body = call_api(delivery, url)

    assert (status, body) == (200, b"sku,price\nA1,10\n")
    assert "Content-Disposition" not in headers


def test_expired_download_link_is_refused(delivery):
    url = download_url("catalog/spring/hero", "jpg", expires_at=int(time.time()) - 5)

    status, headers, body = call_api(delivery, url)

    assert status == 403
    assert b'"error": {"message": "Expired URL' in body
    assert headers["Content-Type"].startswith("application/json")


def test_tampered_download_link_is_refused(delivery):
    url = download_url("catalog/spring/hero", "jpg", expires_at=int(time.time()) + 600)

    status, _, body = call_api(delivery, url.replace("spring%2Fhero", "spring%2Fother"))

    assert status == 401
    assert b"Invalid Signature" in body


def test_download_link_for_another_api_key_is_refused(delivery):
    status, _, body = call_api(delivery, download_url("logo", "png", api_key="999"))

    assert status == 401
    assert b"Unknown API key 999" in body


def test_download_link_for_a_missing_asset_is_a_404(delivery):
    status, _, body = call_api(delivery, download_url("nope", "png"))

    assert status == 404
    assert b"Resource not found - nope" in body


# ---------------------------------------------------------------- archives


def open_zip(body):
    return zipfile.ZipFile(io.BytesIO(body))


def test_zip_of_public_ids_holds_one_entry_each(delivery):
    url = utils.download_zip_url(public_ids=["catalog/spring/hero", "logo"], **API)

    status, headers, body = call_api(delivery, url)

    assert status == 200
    assert headers["Content-Type"] == "application/zip"
    assert sorted(open_zip(body).namelist()) == ["catalog/spring/hero.jpg", "logo.png"]


def test_zip_with_transformations_and_flat_folders(delivery):
    url = utils.download_zip_url(
        tags="kit", flatten_folders=True, skip_transformation_name=True,
        transformations=[{"width": 100, "height": 100, "crop": "fill", "format": "webp"}],
        expires_at=int(time.time()) + 60, **API)

    status, _, body = call_api(delivery, url)

    assert status == 200
    archive = open_zip(body)
    assert sorted(archive.namelist()) == ["hero.webp", "logo.webp"]
    assert picture(archive.read("hero.webp")).size == (100, 100)


def test_zip_entries_take_the_original_filename_when_asked_and_known(delivery, store):
    store.get("image", "upload", "catalog/spring/hero").original_filename = "IMG_0042"
    url = utils.download_zip_url(public_ids=["catalog/spring/hero", "logo"],
                                 use_original_filename=True, **API)

    status, _, body = call_api(delivery, url)

    assert status == 200
    assert sorted(open_zip(body).namelist()) == ["IMG_0042.jpg", "logo.png"]


def test_archive_url_by_prefix_for_raw_files(delivery):
    url = utils.download_archive_url(prefixes="docs/", resource_type="raw", **API)

    status, _, body = call_api(delivery, url)

    assert status == 200
    assert open_zip(body).read("docs/prices.csv") == b"sku,price\nA1,10\n"


def test_zip_with_a_missing_public_id_needs_allow_missing(delivery):
    ids = ["logo", "gone"]

    refused = call_api(delivery, utils.download_zip_url(public_ids=ids, **API))
    allowed = call_api(delivery, utils.download_zip_url(public_ids=ids, allow_missing=True,
                                                        **API))

    assert refused[0] == 404 and b"Resource not found - gone" in refused[2]
    assert allowed[0] == 200 and open_zip(allowed[2]).namelist() == ["logo.png"]


def test_zip_with_nothing_found_is_a_404(delivery):
    status, _, body = call_api(delivery, utils.download_zip_url(tags="no-such-tag", **API))

    assert status == 404
    assert b"No resources found" in body


def test_expired_or_tampered_zip_link_is_refused(delivery):
    expired = utils.download_zip_url(public_ids=["logo"], expires_at=int(time.time()) - 1, **API)
    tampered = utils.download_zip_url(public_ids=["logo"], **API).replace("logo", "catalog")

    assert call_api(delivery, expired)[0] == 403
    assert call_api(delivery, tampered)[0] == 401


# ---------------------------------------------------------------- over real HTTP


class DeliveryHandler(BaseHTTPRequestHandler):
    """The smallest HTTP front for `Delivery`, routed the way the emulator server routes."""

    delivery: Delivery

    def do_GET(self):  # noqa: N802 - http.server's naming
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        segments = parts.path.strip("/").split("/")
        if segments[0] == "v1_1":
            action = {"download": self.delivery.download,
                      "generate_archive": self.delivery.archive}[segments[3]]
            status, headers, body = action(segments[2], query)
        else:
            status, headers, body = self.delivery.serve(parts.path, query)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_delivery(delivery):
    handler = type("Handler", (DeliveryHandler,), {"delivery": delivery})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_signed_url_with_unsafe_characters_works_over_http(http_delivery, store):
    add(store, "Spring Kit/héro 1", encoded(two_tone(), "JPEG"), "jpg",
        delivery_type="authenticated")
    url, _ = utils.cloudinary_url("Spring Kit/héro 1", type="authenticated", sign_url=True,
                                  format="webp", width=64, height=64, crop="fill",
                                  **{**CDN, "cname": http_delivery})

    response = requests.get(url, timeout=10)

    assert response.status_code == 200, response.headers
    assert response.headers["Content-Type"] == "image/webp"
    assert picture(response.content).size == (64, 64)


def test_download_and_zip_links_work_over_http(http_delivery):
    api = {**API, "upload_prefix": f"http://{http_delivery}"}
    download = utils.private_download_url("logo", "jpg", attachment=True, **api)
    zipped = utils.download_zip_url(public_ids=["logo", "catalog/spring/hero"], **api)

    file_response = requests.get(download, timeout=10)
    zip_response = requests.get(zipped, timeout=10)

    assert file_response.status_code == 200
    assert file_response.content.startswith(MAGIC["jpg"])
    assert zip_response.status_code == 200
    assert len(open_zip(zip_response.content).namelist()) == 2


def test_real_emulator_serves_sdk_urls_end_to_end():
    emulator_module = pytest.importorskip("emulators.cloudinary.emulator")
    emulator = emulator_module.CloudinaryEmulator(cloud=CLOUD, api_key=KEY, api_secret=SECRET)
    with emulator:
        add(emulator.store, "e2e/hero", encoded(two_tone(), "JPEG"), "jpg",
            delivery_type="authenticated")
        host = f"{emulator.host}:{emulator.port}"
        url, _ = utils.cloudinary_url(
            "e2e/hero", type="authenticated", sign_url=True,
            transformation=[{"width": 640, "height": 480, "crop": "fill"},
                            {"fetch_format": "webp"}], **{**CDN, "cname": host})
        zipped = utils.download_zip_url(public_ids=["e2e/hero"], type="authenticated",
                                        **{**API, "upload_prefix": f"http://{host}"})

        image_response = requests.get(url, timeout=10)
        refused = requests.get(url.replace("w_640", "w_641"), timeout=10)
        zip_response = requests.get(zipped, timeout=10)

    assert image_response.status_code == 200
    assert picture(image_response.content).size == (640, 480)
    assert image_response.headers["Content-Type"] == "image/webp"
    assert (refused.status_code, refused.headers["X-Cld-Error"]) == (403, "Invalid signature")
    assert open_zip(zip_response.content).namelist() == ["e2e/hero.jpg"]
