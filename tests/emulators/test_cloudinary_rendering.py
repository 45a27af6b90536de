"""Focal points, gravity, q_auto/f_auto, quality analysis and invalidation in the Cloudinary
emulator, through the unmodified SDK over HTTP (issue #15)."""

import io

import cloudinary.api
import cloudinary.exceptions
import cloudinary.uploader
import cloudinary.utils
import pytest
import requests
from PIL import Image, ImageFilter

from emulators.cloudinary import rendering
from tests.cases.rendering_fixtures import PRODUCT_BOX, is_red, product_shot, red_fraction

CROP = {"crop": "fill", "width": 640, "height": 800}


def _upload(public_id="shots/pack", data=None, **options):
    return cloudinary.uploader.upload(io.BytesIO(data or product_shot()), public_id=public_id,
                                      **options)


def _get(public_id, accept=None, **options):
    url, _ = cloudinary.utils.cloudinary_url(public_id, **options)
    answer = requests.get(url, headers={"Accept": accept} if accept else {}, timeout=10)
    assert answer.status_code == 200, answer.headers.get("X-Cld-Error")
    return answer


def _image(public_id, **options):
    return Image.open(io.BytesIO(_get(public_id, **options).content))


@pytest.fixture
def cloud(cloudinary_emulator):
    return cloudinary_emulator


def test_custom_coordinates_are_stored_by_upload_explicit_and_update(cloud):
    answer = _upload(custom_coordinates=PRODUCT_BOX)
    assert answer["coordinates"] == {"custom": [PRODUCT_BOX], "faces": []}
    assert cloudinary.api.resource("shots/pack", coordinates=True)["coordinates"]["custom"] == [
        PRODUCT_BOX]

    cloudinary.uploader.explicit("shots/pack", type="upload", custom_coordinates=[10, 20, 30, 40])
    assert cloudinary.api.resource("shots/pack", coordinates=True)["coordinates"]["custom"] == [
        [10, 20, 30, 40]]

    cloudinary.api.update("shots/pack", custom_coordinates=[[1, 2, 3, 4], [5, 6, 7, 8]])
    details = cloudinary.api.resource("shots/pack", coordinates=True)
    assert details["coordinates"]["custom"] == [[1, 2, 3, 4], [5, 6, 7, 8]]
    assert "coordinates" not in cloudinary.api.resource("shots/pack")


@pytest.mark.parametrize("box", ["1,2,3", "1,2,0,4", "1500,700,300,300", "a,b,c,d"])
def test_bad_custom_coordinates_are_refused_and_change_nothing(cloud, box):
    _upload(custom_coordinates=PRODUCT_BOX)

    with pytest.raises(cloudinary.exceptions.BadRequest, match="custom_coordinates"):
        cloudinary.api.update("shots/pack", custom_coordinates=box)

    assert cloudinary.api.resource("shots/pack", coordinates=True)["coordinates"]["custom"] == [
        PRODUCT_BOX]


def test_g_custom_and_g_auto_crop_around_the_custom_coordinates(cloud):
    _upload(custom_coordinates=PRODUCT_BOX)

    for gravity in ("custom", "auto"):
        image = _image("shots/pack", format="png", gravity=gravity, **CROP)
        assert image.size == (640, 800)
        assert is_red(image.getpixel((320, 400))), gravity
    ignoring = _image("shots/pack", format="png", gravity="auto:custom_no_override", **CROP)
    assert red_fraction(ignoring) == 0


def test_g_auto_without_coordinates_follows_the_busiest_region_deterministically(cloud):
    _upload()

    first = _get("shots/pack", format="png", gravity="auto", **CROP).content
    image = Image.open(io.BytesIO(first))
    assert red_fraction(image) == 0  # the striped banner wins over the flat product
    assert image.getpixel((10, 400))[0] < 40  # a black stripe at the left edge
    cloud.store.rendering.cache.clear()
    assert _get("shots/pack", format="png", gravity="auto", **CROP).content == first
    centre = _image("shots/pack", format="png", **CROP)  # compass centre: neither
    assert red_fraction(centre) == 0 and centre.getpixel((10, 400))[0] > 200


def test_q_auto_levels_change_the_encoded_bytes(cloud):
    photo = Image.effect_noise((800, 600), 60).convert("RGB").filter(ImageFilter.SMOOTH)
    buffer = io.BytesIO()
    photo.save(buffer, "PNG")
    _upload("shots/noise", buffer.getvalue())

    sizes = {level: len(_get("shots/noise", format="jpg", quality=f"auto:{level}").content)
             for level in ("low", "eco", "good", "best")}

    assert sizes["low"] < sizes["eco"] < sizes["good"] < sizes["best"]
    assert len(_get("shots/noise", format="jpg", quality="auto").content) == sizes["good"]


def test_f_auto_follows_the_accept_header(cloud):
    _upload()
    options = {"fetch_format": "auto", "width": 300, "crop": "scale"}

    modern = _get("shots/pack", accept="image/avif,image/webp,image/*,*/*;q=0.8", **options)
    legacy = _get("shots/pack", accept="image/png,image/*;q=0.8", **options)

    assert modern.headers["Content-Type"] == "image/webp"
    assert legacy.headers["Content-Type"] == "image/png"  # the original's format
    assert Image.open(io.BytesIO(modern.content)).format == "WEBP"


def test_quality_analysis_is_plausible_and_deterministic(cloud):
    sharp = _upload("shots/sharp", quality_analysis=True)
    blurry_image = Image.open(io.BytesIO(product_shot())).filter(ImageFilter.GaussianBlur(8))
    buffer = io.BytesIO()
    blurry_image.save(buffer, "PNG")
    blurry = _upload("shots/blurry", buffer.getvalue(), quality_analysis=True)

    assert 0 <= blurry["quality_analysis"]["focus"] < sharp["quality_analysis"]["focus"] <= 1
    assert 0 <= sharp["quality_score"] <= 1
    again = cloudinary.api.resource("shots/sharp", quality_analysis=True)
    assert again["quality_analysis"] == sharp["quality_analysis"]
    explicit = cloudinary.uploader.explicit("shots/sharp", type="upload", quality_analysis=True)
    assert explicit["quality_score"] == sharp["quality_score"]
    assert "quality_analysis" not in cloudinary.api.resource("shots/sharp")


def test_a_derivative_stays_as_rendered_until_invalidated(cloud):
    _upload()
    before = _get("shots/pack", format="png", gravity="auto", **CROP).content

    cloudinary.api.update("shots/pack", custom_coordinates=PRODUCT_BOX)
    stale = _get("shots/pack", format="png", gravity="auto", **CROP).content
    cloudinary.uploader.explicit("shots/pack", type="upload", invalidate=True)
    fresh = _image("shots/pack", format="png", gravity="auto", **CROP)

    assert stale == before  # the CDN's copy: the original's bytes did not change
    assert is_red(fresh.getpixel((320, 400)))
    answer = requests.get(f"{cloud.url}/_emulator/invalidations",
                          params={"public_id": "shots/pack"}, timeout=10).json()
    [record] = answer["invalidations"]
    assert record["transformation"] == "c_fill,g_auto,h_800,w_640"
    assert record["path"] == "/portal-test/image/upload/c_fill,g_auto,h_800,w_640/shots/pack.png"
    assert record["reason"] == "explicit"


def test_explicit_eager_regenerates_and_answers_real_facts(cloud):
    _upload()
    _get("shots/pack", format="jpg", gravity="auto", **CROP)  # cached, missing the product

    answer = cloudinary.uploader.explicit(
        "shots/pack", type="upload", custom_coordinates=PRODUCT_BOX,
        eager=[{"raw_transformation": "c_fill,g_auto,w_640,h_800", "format": "jpg"}])

    [eager] = answer["eager"]
    assert (eager["width"], eager["height"], eager["format"]) == (640, 800, "jpg")
    served = _get("shots/pack", format="jpg", raw_transformation="c_fill,g_auto,w_640,h_800")
    assert eager["bytes"] == len(served.content)
    assert is_red(Image.open(io.BytesIO(served.content)).getpixel((320, 400)))
    assert rendering.state(cloud.store).invalidations == []  # regenerated, not invalidated


def test_deleting_derived_by_transformation_invalidates_exactly_those_derivatives(cloud):
    # given: two named transformations, both delivered (so both cached at the CDN)
    _upload()
    cloudinary.api.create_transformation("mobile", "c_fill,g_auto,w_640,h_800")
    cloudinary.api.create_transformation("mobile_eu", "c_fill,g_auto,w_640,h_800/q_auto")
    kept = _get("shots/pack", format="jpg", transformation="mobile").content
    _get("shots/pack", format="jpg", transformation="mobile_eu")
    cloudinary.uploader.explicit("shots/pack", type="upload", eager=["t_mobile_eu/jpg",
                                                                      "t_mobile/jpg"])

    # when: the derivatives of one of them are deleted and invalidated
    cloudinary.api.update_transformation("mobile_eu", unsafe_update="c_fill,w_64,h_80")
    answer = cloudinary.api.delete_derived_by_transformation(
        ["shots/pack", "shots/missing"], ["t_mobile_eu/jpg"], invalidate=True)

    # then: only that derivative is gone and purged; the original and the other stay
    assert answer["deleted"] == {"shots/pack": "deleted", "shots/missing": "not_found"}
    assert answer["deleted_counts"]["shots/pack"] == {"original": 0, "derived": 1}
    derived = cloudinary.api.resource("shots/pack")["derived"]
    assert [d["transformation"] for d in derived] == ["t_mobile"]
    [record] = rendering.state(cloud.store).invalidations
    assert (record["transformation"], record["format"], record["reason"]) == (
        "t_mobile_eu", "jpg", "delete_derived")
    assert record["path"] == "/portal-test/image/upload/t_mobile_eu/shots/pack.jpg"
    assert _image("shots/pack", format="jpg", transformation="mobile_eu").size == (64, 80)
    assert _get("shots/pack", format="jpg", transformation="mobile").content == kept

    # a derivative that was never cached is still recorded as requested, once
    cloudinary.api.delete_derived_by_transformation(["shots/pack"], "t_other", invalidate=True)
    last = rendering.state(cloud.store).invalidations[-1]
    assert (last["transformation"], last["path"]) == ("t_other", None)


def test_deleting_a_named_transformation_deletes_its_derived_images(cloud):
    # given: a named transformation generated ahead for one asset and delivered for another,
    # and a second named transformation generated for the first
    _upload()
    _upload("shots/other")
    cloudinary.api.create_transformation("mobile", "c_fill,g_auto,w_640,h_800")
    cloudinary.api.create_transformation("mobile_eu", "c_fill,g_auto,w_640,h_800/q_auto")
    cloudinary.uploader.explicit("shots/pack", type="upload",
                                 eager=["t_mobile_eu/jpg", "t_mobile/jpg"])
    _get("shots/other", format="jpg", transformation="mobile_eu")

    # when: it is deleted through the SDK
    assert cloudinary.api.delete_transformation("mobile_eu") == {"message": "deleted"}

    # then: as Cloudinary documents, its derived images go with it; the other stays
    with pytest.raises(cloudinary.exceptions.NotFound):
        cloudinary.api.transformation("mobile_eu")
    derived = cloudinary.api.resource("shots/pack")["derived"]
    assert [d["transformation"] for d in derived] == ["t_mobile"]
    assert [d["public_id"] for d in cloudinary.api.transformation("mobile")["derived"]] == [
        "shots/pack"]
    assert rendering.state(cloud.store).invalidations == []  # the SDK sends no invalidate
    url, _ = cloudinary.utils.cloudinary_url("shots/pack", format="jpg",
                                             transformation="mobile_eu")
    assert requests.get(url, timeout=10).status_code == 400


def test_deleting_a_named_transformation_with_invalidate_purges_exactly_its_derivatives(
        cloud):
    _upload()
    _upload("shots/other")
    _upload("shots/untouched")
    cloudinary.api.create_transformation("mobile_eu", "c_fill,g_auto,w_640,h_800/q_auto")
    cloudinary.uploader.explicit("shots/pack", type="upload", eager=["t_mobile_eu/jpg"])
    _get("shots/other", format="webp", transformation="mobile_eu")
    _get("shots/untouched", format="jpg", **CROP)

    # the Admin API's optional parameter, sent through the SDK's own JSON call
    cloudinary.api.call_json_api("delete", ["transformations"],
                                 {"transformation": "mobile_eu", "invalidate": True})

    records = rendering.state(cloud.store).invalidations
    assert sorted((r["public_id"], r["transformation"], r["format"], r["reason"])
                  for r in records) == [
        ("shots/other", "t_mobile_eu", "webp", "delete_transformation"),
        ("shots/pack", "t_mobile_eu", "jpg", "delete_transformation")]
    assert all(r["path"] for r in records)
    assert cloudinary.api.resource("shots/pack")["derived"] == []


def _on_background(background, size=(400, 300), block=(100, 75, 300, 225), fmt="PNG"):
    """A red product block (a quarter of the picture) on a plain background."""
    image = Image.new("RGB", size, background)
    image.paste((200, 20, 20), block)
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def test_colors_are_the_pixels_share_by_upload_explicit_and_resource(cloud):
    answer = _upload("shots/on-white", _on_background((255, 255, 255)), colors=True)

    # the most prominent colour first, as Cloudinary's [hex, percent] pairs
    assert answer["colors"][:2] == [["#FFFFFF", 75.0], ["#C81414", 25.0]]
    assert answer["predominant"]["google"][:2] == [["white", 75.0], ["red", 25.0]]
    assert answer["predominant"]["cloudinary"][0] == ["white", 75.0]
    details = cloudinary.api.resource("shots/on-white", colors=True)
    assert (details["colors"], details["predominant"]) == (answer["colors"],
                                                           answer["predominant"])
    explicit = cloudinary.uploader.explicit("shots/on-white", type="upload", colors=True)
    assert explicit["colors"] == answer["colors"]
    # asked for only: neither an upload nor the details carry colours unasked
    assert "colors" not in cloudinary.api.resource("shots/on-white")
    assert "colors" not in _upload("shots/plain", _on_background((255, 255, 255)))


def test_colors_of_a_photograph_are_at_most_32_and_sum_to_about_100(cloud):
    answer = _upload("shots/photo", product_shot(), colors=True)

    assert 1 < len(answer["colors"]) <= 32
    assert all(hex_.startswith("#") and len(hex_) == 7 for hex_, _ in answer["colors"])
    shares = [share for _, share in answer["colors"]]
    assert shares == sorted(shares, reverse=True)
    assert 95 <= sum(shares) <= 100.5
    assert cloudinary.api.resource("shots/photo", colors=True)["colors"] == answer["colors"]


def test_colors_of_a_grey_background_are_not_white(cloud):
    answer = _upload("shots/on-grey", _on_background((200, 200, 200), fmt="JPEG"),
                     colors=True)

    shares = dict(answer["predominant"]["google"])
    assert shares.get("white", 0) < 1
    assert shares["gray"] >= 70  # JPEG's near-greys, summed into the palette's grey
