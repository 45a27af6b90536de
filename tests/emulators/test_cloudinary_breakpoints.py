"""Responsive breakpoints (`responsive_breakpoints` on upload/explicit) in the Cloudinary
emulator, through the unmodified SDK over HTTP (issue #15)."""

import io

import cloudinary.api
import cloudinary.exceptions
import cloudinary.uploader
import pytest
import requests
from PIL import Image

from emulators.cloudinary import rendering
from tests.cases.rendering_fixtures import product_shot

MOBILE = {"crop": "fill", "gravity": "auto", "width": 640, "height": 800}


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(product_shot())).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture
def cloud(cloudinary_emulator):
    cloudinary.uploader.upload(io.BytesIO(_jpeg()), public_id="shots/pack")
    return cloudinary_emulator


def _explicit(**setting):
    return cloudinary.uploader.explicit("shots/pack", type="upload",
                                        responsive_breakpoints=setting)


def test_explicit_answers_breakpoints_widest_first_a_bytes_step_apart(cloud):
    answer = _explicit(create_derived=True, bytes_step=3000, min_width=200, max_width=2000,
                       max_images=8, transformation=MOBILE)

    [entry] = answer["responsive_breakpoints"]
    assert entry["transformation"] == "c_fill,g_auto,h_800,w_640"  # the SDK's encoding
    points = entry["breakpoints"]
    widths = [p["width"] for p in points]
    # max_width beyond the transformed image is its width; min_width is always there
    assert widths[0] == 640 and widths[-1] == 200 and widths == sorted(widths, reverse=True)
    assert 3 <= len(points) <= 8
    # consecutive files differ by at least bytes_step, except possibly the last (min_width)
    for wider, narrower in zip(points[:-2], points[1:-1], strict=True):
        assert wider["bytes"] - narrower["bytes"] >= 3000
    for point in points:  # the real files: aspect kept, bytes as delivered
        assert point["height"] == round(point["width"] * 800 / 640)
        assert point["url"] == point["secure_url"]
        assert f"/c_fill,g_auto,h_800,w_640/c_scale,w_{point['width']}/" in point["url"]
        body = requests.get(point["url"], timeout=10).content
        assert len(body) == point["bytes"]
        assert Image.open(io.BytesIO(body)).size == (point["width"], point["height"])
    # kept as derived images, served by the CDN from its cache (create_derived)
    derived = {d["transformation"] for d in cloudinary.api.resource("shots/pack")["derived"]}
    assert {f"c_fill,g_auto,h_800,w_640/c_scale,w_{w}" for w in widths} <= derived


def test_the_same_request_gives_the_same_breakpoints(cloud):
    first = _explicit(create_derived=False, bytes_step=4000, min_width=100, max_width=640,
                      transformation=MOBILE)
    again = _explicit(create_derived=False, bytes_step=4000, min_width=100, max_width=640,
                      transformation=MOBILE)
    assert first["responsive_breakpoints"] == again["responsive_breakpoints"]
    # create_derived false: the images of the analysis are thrown away
    assert not any("c_scale" in d["transformation"]
                   for d in cloudinary.api.resource("shots/pack")["derived"])


def test_max_images_thins_the_breakpoints_keeping_both_ends(cloud):
    answer = _explicit(create_derived=False, bytes_step=500, min_width=100, max_width=640,
                       max_images=3, transformation=MOBILE)
    widths = [p["width"] for p in answer["responsive_breakpoints"][0]["breakpoints"]]
    assert len(widths) == 3 and widths[0] == 640 and widths[-1] == 100


def test_format_sets_the_derived_files_extension(cloud):
    answer = _explicit(create_derived=True, bytes_step=20000, min_width=200, max_width=640,
                       transformation=MOBILE, format="webp")
    point = answer["responsive_breakpoints"][0]["breakpoints"][0]
    assert point["url"].endswith(".webp")
    body = requests.get(point["url"], timeout=10).content
    assert Image.open(io.BytesIO(body)).format == "WEBP"


@pytest.mark.parametrize("setting, message", [
    ({"bytes_step": 1000}, "create_derived is required"),
    ({"create_derived": True, "max_images": 1}, "max_images must be between 3 and 200"),
    ({"create_derived": True, "min_width": 700, "max_width": 600}, "min_width is greater"),
    ({"create_derived": True, "transformation": {"crop": "nonsense", "width": 10}}, "nonsense"),
])
def test_bad_settings_are_a_400_and_change_nothing(cloud, setting, message):
    before = cloudinary.api.resource("shots/pack")
    with pytest.raises(cloudinary.exceptions.BadRequest, match=message):
        cloudinary.uploader.explicit("shots/pack", type="upload", tags=["changed"],
                                     responsive_breakpoints=setting)
    after = cloudinary.api.resource("shots/pack")
    assert after.get("tags") == before.get("tags") and after["derived"] == before["derived"]
    assert not rendering.state(cloud.store).eager_regenerated


def test_upload_takes_responsive_breakpoints_too(cloud):
    answer = cloudinary.uploader.upload(
        io.BytesIO(product_shot()), public_id="shots/other",
        responsive_breakpoints=[{"create_derived": False, "max_width": 400, "min_width": 100,
                                 "bytes_step": 5000}])
    points = answer["responsive_breakpoints"][0]["breakpoints"]
    assert answer["responsive_breakpoints"][0]["transformation"] == ""
    assert points[0]["width"] == 400 and points[-1]["width"] == 100
