"""Related assets, named transformations, eager derivatives and strict transformations,
through the real SDK over HTTP (issue #14)."""

from __future__ import annotations

import base64
import io
import json
import urllib.error
import urllib.request

import cloudinary
import cloudinary.api
import cloudinary.uploader
import pytest
from PIL import Image

from emulators.cloudinary import CloudinaryEmulator

from .conftest import configure_sdk


def jpeg(width=600, height=400) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def upload(public_id: str, **options) -> dict:
    return cloudinary.uploader.upload(jpeg(), public_id=public_id, **options)


def related_ids(public_id: str) -> set[str]:
    details = cloudinary.api.resource(public_id, related=True)
    return {item["public_id"] for item in details["related_assets"]}


# -- related assets --------------------------------------------------------------------
def test_relations_are_two_way_and_reported_per_asset(emulator):
    # given
    for pid in ("box", "box_de", "box_ja"):
        upload(pid)

    # when
    answer = cloudinary.api.add_related_assets(
        "box", ["image/upload/box_de", "image/upload/box_ja", "image/upload/nope"])

    # then
    assert [s["asset"] for s in answer["success"]] == ["image/upload/box_de",
                                                         "image/upload/box_ja"]
    assert [(f["asset"], f["code"]) for f in answer["failed"]] == [
        ("image/upload/nope", "invalid_ids")]
    assert related_ids("box") == {"box_de", "box_ja"}
    assert related_ids("box_de") == {"box"}
    assert "related_assets" not in cloudinary.api.resource("box")


def test_relating_twice_fails_softly_and_unrelating_removes_both_directions(emulator):
    upload("a")
    upload("b")
    cloudinary.api.add_related_assets("a", ["image/upload/b"])

    again = cloudinary.api.add_related_assets("a", ["image/upload/b"])
    assert again["success"] == [] and again["failed"][0]["code"] == "already_exists"

    cloudinary.api.delete_related_assets("b", ["image/upload/a"])
    assert related_ids("a") == set() and related_ids("b") == set()


def test_relations_by_asset_ids(emulator):
    a, b = upload("m")["asset_id"], upload("v")["asset_id"]

    cloudinary.api.add_related_assets_by_asset_ids(a, [b])
    assert related_ids("v") == {"m"}
    by_id = cloudinary.api.resource_by_asset_id(a, related=True)
    assert [r["asset_id"] for r in by_id["related_assets"]] == [b]

    cloudinary.api.delete_related_assets_by_asset_ids(b, [a])
    assert related_ids("m") == set()


def test_more_than_ten_assets_per_call_is_a_clear_error(emulator):
    upload("m")
    with pytest.raises(cloudinary.exceptions.BadRequest, match="at most 10"):
        cloudinary.api.add_related_assets("m", [f"image/upload/x{i}" for i in range(11)])


def test_related_assets_page_with_a_cursor(emulator):
    upload("hub")
    ids = [f"spoke{i:03d}" for i in range(105)]
    for pid in ids:
        upload(pid)
    for start in range(0, len(ids), 10):
        cloudinary.api.add_related_assets(
            "hub", [f"image/upload/{pid}" for pid in ids[start:start + 10]])

    first = cloudinary.api.resource("hub", related=True)
    cursor = first["related_assets_next_cursor"]
    second = cloudinary.api.resource("hub", related=True, related_next_cursor=cursor)

    seen = [r["public_id"] for r in first["related_assets"] + second["related_assets"]]
    assert len(first["related_assets"]) == 100
    assert sorted(seen) == ids and "related_assets_next_cursor" not in second


def test_deleting_an_asset_drops_its_relations(emulator):
    upload("m")
    upload("v")
    cloudinary.api.add_related_assets("m", ["image/upload/v"])
    cloudinary.uploader.destroy("v")
    assert related_ids("m") == set()


def test_relations_and_transformation_flags_survive_a_restart(tmp_path):
    with CloudinaryEmulator(state_dir=str(tmp_path)) as emu:
        configure_sdk(emu)
        upload("m")
        upload("v")
        cloudinary.api.add_related_assets("m", ["image/upload/v"])
        cloudinary.api.create_transformation("web_1200", "c_limit,w_1200")
        cloudinary.api.update_transformation("web_1200", allowed_for_strict=True)
    with CloudinaryEmulator(state_dir=str(tmp_path)) as again:
        configure_sdk(again)
        assert related_ids("m") == {"v"}
        assert cloudinary.api.transformation("web_1200")["allowed_for_strict"] is True


# -- named transformations -------------------------------------------------------------
def test_named_transformation_lifecycle(emulator):
    # create
    assert cloudinary.api.create_transformation(
        "retail_main", "c_pad,w_220,h_220,b_white/f_jpg")["message"] == "created"
    with pytest.raises(cloudinary.exceptions.Error, match="already exists"):
        cloudinary.api.create_transformation("retail_main", "c_fill,w_10")
    # get
    got = cloudinary.api.transformation("retail_main")
    assert got["name"] == "t_retail_main" and got["allowed_for_strict"] is False
    assert got["info"][0] == {"crop": "pad", "width": "220", "height": "220",
                              "background": "white"}
    # list
    names = [t["name"] for t in cloudinary.api.transformations(named=True,
                                                                max_results=50)["transformations"]]
    assert "t_retail_main" in names
    # update
    cloudinary.api.update_transformation("retail_main", allowed_for_strict=True,
                                          unsafe_update="c_pad,w_300,h_300,b_white")
    got = cloudinary.api.transformation("retail_main")
    assert got["allowed_for_strict"] is True and got["info"][0]["width"] == "300"
    # delete
    cloudinary.api.delete_transformation("retail_main")
    with pytest.raises(cloudinary.exceptions.NotFound):
        cloudinary.api.transformation("retail_main")


def test_an_unusable_definition_is_refused(emulator):
    with pytest.raises(cloudinary.exceptions.BadRequest):
        cloudinary.api.create_transformation("bad", "w_notanumber")


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_strict_transformations_refuse_unsigned_on_the_fly_derivatives(emulator):
    # given
    upload("shot")
    cloudinary.api.create_transformation("allowed", "c_fill,w_100,h_100")
    cloudinary.api.update_transformation("allowed", allowed_for_strict=True)
    cloudinary.api.create_transformation("not_allowed", "c_fill,w_50,h_50")
    emulator.strict_transformations = True
    url = cloudinary.CloudinaryImage("shot").build_url

    # then
    assert _get(url(transformation="allowed")) == 200
    assert _get(url(transformation="not_allowed")) == 401
    assert _get(url(width=70, crop="scale")) == 401
    assert _get(url(width=70, crop="scale", sign_url=True)) == 200
    assert _get(url()) == 200  # the original is no derivative

    cloudinary.uploader.explicit("shot", type="upload", eager=[{"width": 80, "crop": "scale"}])
    assert _get(url(width=80, crop="scale")) == 200  # generated already


# -- eager -----------------------------------------------------------------------------
def test_eager_returns_the_real_facts_of_each_derivative(emulator):
    upload("shot")
    cloudinary.api.create_transformation("web_300", "c_fill,w_300,h_200")

    answer = cloudinary.uploader.explicit(
        "shot", type="upload",
        eager=[{"transformation": "web_300", "format": "webp"},
               {"width": 100, "crop": "scale", "format": "png"}])

    web, small = answer["eager"]
    assert (web["transformation"], web["format"], web["width"], web["height"]) == \
        ("t_web_300", "webp", 300, 200)
    assert (small["width"], small["height"], small["format"]) == (100, 67, "png")
    with urllib.request.urlopen(web["url"], timeout=10) as delivered:
        assert len(delivered.read()) == web["bytes"]
    details = cloudinary.api.resource("shot")
    assert {d["transformation"] for d in details["derived"]} == {"t_web_300", "c_scale,w_100"}


def test_async_eager_answers_pending_then_notifies_and_is_recorded(emulator, receiver):
    upload("shot")

    answer = cloudinary.uploader.explicit(
        "shot", type="upload", eager=[{"width": 120, "height": 80, "crop": "fill",
                                       "format": "jpg"}],
        eager_async=True, eager_notification_url=receiver.url)

    assert answer["status"] == "pending" and "eager" not in answer
    assert emulator.wait_for_eager() and receiver.event.wait(5)
    note = receiver.payloads()[0]
    assert note["notification_type"] == "eager" and note["batch_id"] == answer["batch_id"]
    assert (note["eager"][0]["width"], note["eager"][0]["height"]) == (120, 80)
    recorded = emulator.eager_requests[-1]
    assert recorded["eager"] == ["c_fill,h_80,w_120/jpg"] and recorded["eager_async"] is True
    assert recorded["status"] == "processed"
    assert recorded["eager_notification_url"] == receiver.url


def test_eager_requests_inspection_endpoint_needs_the_api_credentials(emulator):
    upload("shot", eager=[{"width": 10, "crop": "scale"}])
    base = f"{emulator.url}/v1_1/{emulator.cloud}/_emulator/eager_requests"
    assert _get(base) == 401
    request = urllib.request.Request(base)

    token = base64.b64encode(f"{emulator.api_key}:{emulator.api_secret}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")

    with urllib.request.urlopen(request, timeout=10) as answer:
        body = json.loads(answer.read())
    assert body["eager_requests"][0]["public_id"] == "shot"


def test_a_bad_eager_transformation_is_a_400_and_stores_nothing(emulator):
    upload("shot")
    with pytest.raises(cloudinary.exceptions.BadRequest):
        cloudinary.uploader.explicit("shot", type="upload", eager="w_abc")
    assert cloudinary.api.resource("shot")["derived"] == []
