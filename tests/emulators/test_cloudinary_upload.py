"""Upload API of the Cloudinary emulator through ``cloudinary.uploader``."""

from __future__ import annotations

import base64
import io
import time

import cloudinary
import cloudinary.api
import cloudinary.uploader
import pytest
from cloudinary.exceptions import AuthorizationRequired, BadRequest, NotFound
from PIL import Image

from emulators.cloudinary.upload_auth import string_to_sign

UPLOAD_KEYS = {"asset_id", "public_id", "version", "version_id", "signature", "width", "height",
               "format", "resource_type", "created_at", "tags", "bytes", "type", "etag",
               "placeholder", "url", "secure_url", "asset_folder", "display_name",
               "original_filename", "api_key"}


def image(width=64, height=48, colour=(200, 10, 10), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, fmt)
    return out.getvalue()


def pdf(pages: int) -> bytes:
    out = io.BytesIO()
    sheets = [Image.new("RGB", (200, 300), "white") for _ in range(pages)]
    sheets[0].save(out, "PDF", save_all=True, append_images=sheets[1:])
    return out.getvalue()


def test_upload_answers_with_real_dimensions_and_the_documented_keys(emulator):
    answer = cloudinary.uploader.upload(image(640, 360, fmt="JPEG"), public_id="k/photo")
    assert set(answer) >= UPLOAD_KEYS
    assert (answer["width"], answer["height"], answer["format"]) == (640, 360, "jpg")
    assert answer["tags"] == [] and answer["resource_type"] == "image"
    assert answer["url"].startswith(f"{emulator.url}/demo/image/upload/v")
    assert emulator.store.get("image", "upload", "k/photo").data[:2] == b"\xff\xd8"


def test_upload_of_pdf_counts_pages(emulator):
    answer = cloudinary.uploader.upload(pdf(3), public_id="spec", resource_type="image")
    assert (answer["format"], answer["pages"]) == ("pdf", 3)


def test_upload_of_animation_as_video_has_duration(emulator):
    frames = [Image.new("RGB", (32, 16), (i * 20, 0, 0)) for i in range(5)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=200)
    answer = cloudinary.uploader.upload(out.getvalue(), public_id="clip", resource_type="video")
    assert (answer["resource_type"], answer["format"], answer["duration"]) == (
        "video", "gif", 1.0)


def test_upload_of_raw_file_and_auto_detection(emulator):
    raw = cloudinary.uploader.upload(io.BytesIO(b"a,b\n1,2\n"), resource_type="raw",
                                     public_id="data.csv")
    assert raw["resource_type"] == "raw" and "format" not in raw
    auto = cloudinary.uploader.upload(image(), resource_type="auto", public_id="auto1")
    assert auto["resource_type"] == "image"


def test_upload_accepts_a_data_uri(emulator):
    uri = "data:image/png;base64," + base64.b64encode(image(10, 20)).decode()
    answer = cloudinary.uploader.upload(uri, public_id="from-uri")
    assert (answer["width"], answer["height"]) == (10, 20)


def test_upload_folder_use_filename_and_display_name(emulator, tmp_path):
    path = tmp_path / "trail-shoe.png"
    path.write_bytes(image())
    answer = cloudinary.uploader.upload(str(path), folder="kestrel/trail", use_filename=True,
                                        unique_filename=False)
    assert answer["public_id"] == "kestrel/trail/trail-shoe"
    assert answer["asset_folder"] == "kestrel/trail" and answer["display_name"] == "trail-shoe"
    unique = cloudinary.uploader.upload(str(path), use_filename=True)
    assert unique["public_id"].startswith("trail-shoe_") and len(unique["public_id"]) == 17
    named = cloudinary.uploader.upload(image(), asset_folder="a/b", display_name="Shown")
    assert len(named["public_id"]) == 20 and named["asset_folder"] == "a/b"
    assert named["display_name"] == "Shown"


def test_overwrite_bumps_version_and_etag_but_keeps_asset_id(emulator):
    first = cloudinary.uploader.upload(image(colour=(1, 1, 1)), public_id="ow")
    second = cloudinary.uploader.upload(image(80, 80, colour=(9, 9, 9)), public_id="ow")
    assert second["asset_id"] == first["asset_id"] and second["overwritten"] is True
    assert second["version"] > first["version"] and second["etag"] != first["etag"]
    assert second["width"] == 80
    kept = cloudinary.uploader.upload(image(5, 5), public_id="ow", overwrite=False)
    assert kept["existing"] is True and kept["width"] == 80
    assert len(cloudinary.api.resource("ow", versions=True)["versions"]) == 1


def test_upload_with_tags_context_metadata_moderation_and_eager(emulator):
    answer = cloudinary.uploader.upload(
        image(), public_id="full", tags=["b", "a"], context={"alt": "x=y", "title": "T|U"},
        metadata={"product_line": "trail", "market": ["de", "us"], "title": "Hi"},
        moderation="manual", eager=[{"width": 100, "crop": "fill"}])
    assert answer["tags"] == ["a", "b"]
    assert answer["context"] == {"custom": {"alt": "x=y", "title": "T|U"}}
    assert answer["metadata"] == {"product_line": "trail", "market": ["de", "us"], "title": "Hi"}
    assert answer["moderation"] == [{"kind": "manual", "status": "pending"}]
    assert answer["eager"][0]["transformation"] == "c_fill,w_100"
    assert cloudinary.api.resource("full")["derived"][0]["transformation"] == "c_fill,w_100"


def test_wrong_signature_is_401_with_the_string_to_sign(emulator):
    with pytest.raises(AuthorizationRequired, match=r"Invalid Signature .*String to sign - '"):
        cloudinary.uploader.upload(image(), public_id="x", api_secret="not-the-secret")


def test_signature_version_1_and_sha256_are_accepted(emulator):
    cloudinary.uploader.upload(image(), public_id="v1", signature_version=1)
    cloudinary.uploader.upload(image(), public_id="s256", signature_algorithm="sha256")
    assert cloudinary.api.resource("s256")["public_id"] == "s256"


def test_string_to_sign_escapes_ampersands_like_the_sdk():
    params = {"public_id": "a&b", "tags": ["x", "y"], "timestamp": "1", "file": "f",
              "api_key": "k", "empty": ""}
    expected = cloudinary.utils.api_string_to_sign(
        {"public_id": "a&b", "tags": ["x", "y"], "timestamp": "1"})
    assert string_to_sign(params, {"file", "api_key"}) == expected == \
        "public_id=a%26b&tags=x,y&timestamp=1"


def test_stale_timestamp_is_400(emulator):
    params = {"timestamp": str(int(time.time()) - 3700), "public_id": "old"}
    with pytest.raises(BadRequest, match="Stale request - reported time is .* more than 1 hour"):
        cloudinary.uploader.call_api("upload", params, file=image())


def test_unknown_api_key_is_401(emulator):
    with pytest.raises(AuthorizationRequired, match="Unknown API key"):
        cloudinary.uploader.upload(image(), api_key="other")


def test_explicit_updates_an_existing_asset(emulator):
    cloudinary.uploader.upload(image(), public_id="ex")
    answer = cloudinary.uploader.explicit("ex", type="upload", tags=["t"], eager=["w_50"])
    assert answer["tags"] == ["t"] and answer["eager"][0]["transformation"] == "w_50"
    with pytest.raises(NotFound):
        cloudinary.uploader.explicit("nope", type="upload")


def test_rename_keeps_asset_id_and_refuses_to_clobber(emulator):
    first = cloudinary.uploader.upload(image(), public_id="old/name")
    cloudinary.uploader.upload(image(), public_id="taken")
    renamed = cloudinary.uploader.rename("old/name", "new/name")
    assert renamed["public_id"] == "new/name" and renamed["asset_id"] == first["asset_id"]
    with pytest.raises(NotFound):
        cloudinary.api.resource("old/name")
    with pytest.raises(BadRequest):
        cloudinary.uploader.rename("new/name", "taken")
    cloudinary.uploader.rename("new/name", "taken", overwrite=True)
    assert cloudinary.api.resource("taken")["asset_id"] == first["asset_id"]


def test_destroy(emulator):
    cloudinary.uploader.upload(image(), public_id="bye")
    assert cloudinary.uploader.destroy("bye")["result"] == "ok"
    assert cloudinary.uploader.destroy("bye")["result"] == "not found"


def test_tag_commands(emulator):
    for pid in ("t1", "t2"):
        cloudinary.uploader.upload(image(), public_id=pid, tags=["keep"])
    assert cloudinary.uploader.add_tag("new", ["t1", "t2"])["public_ids"] == ["t1", "t2"]
    cloudinary.uploader.remove_tag("keep", ["t1"])
    assert cloudinary.api.resource("t1")["tags"] == ["new"]
    cloudinary.uploader.replace_tag("only", ["t2"])
    assert cloudinary.api.resource("t2")["tags"] == ["only"]
    cloudinary.uploader.remove_all_tags(["t2"])
    assert "tags" not in cloudinary.api.resource("t2")


def test_context_and_metadata_commands(emulator):
    cloudinary.uploader.upload(image(), public_id="c1", context={"a": "1"})
    cloudinary.uploader.add_context({"b": "2"}, ["c1"])
    assert cloudinary.api.resource("c1")["context"] == {"custom": {"a": "1", "b": "2"}}
    cloudinary.uploader.remove_all_context(["c1"])
    assert "context" not in cloudinary.api.resource("c1")
    answer = cloudinary.uploader.update_metadata({"campaign": "spring-2027"}, ["c1"])
    assert answer["public_ids"] == ["c1"]
    assert cloudinary.api.resource("c1")["metadata"] == {"campaign": "spring-2027"}
    with pytest.raises(BadRequest):
        cloudinary.uploader.update_metadata({"campaign": "nope"}, ["c1"])


def test_invalid_image_is_400(emulator):
    with pytest.raises(BadRequest, match="Invalid image file"):
        cloudinary.uploader.upload(io.BytesIO(b"not an image"), public_id="bad")


def test_upload_api_is_not_counted_as_admin_calls(emulator):
    cloudinary.uploader.upload(image(), public_id="free")
    assert emulator.api_calls["total"] == 0
