"""Admin API of the Cloudinary emulator, driven through the unmodified SDK."""

from __future__ import annotations

import io
import re

import cloudinary
import cloudinary.api
import cloudinary.uploader
import pytest
from cloudinary.exceptions import AuthorizationRequired, BadRequest, NotFound
from PIL import Image

LIST_KEYS = {"asset_id", "public_id", "format", "version", "resource_type", "type",
             "created_at", "bytes", "width", "height", "asset_folder", "display_name", "url",
             "secure_url"}
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def png(width=40, height=30, colour=(10, 20, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def upload(public_id, **options):
    return cloudinary.uploader.upload(png(), public_id=public_id, **options)


def assert_list_item(item):
    assert set(item) >= LIST_KEYS
    assert re.fullmatch(r"[0-9a-f]{32}", item["asset_id"])
    assert isinstance(item["version"], int) and isinstance(item["bytes"], int)
    assert ISO.match(item["created_at"])


def test_ping_answers_ok_with_rate_limit_headers(emulator):
    answer = cloudinary.api.ping()
    assert answer == {"status": "ok"}
    assert answer.rate_limit_allowed > 0 and answer.rate_limit_remaining >= 0
    assert answer.rate_limit_reset_at is not None and answer.request_id


def test_it_rejects_bad_credentials_with_401(emulator):
    with pytest.raises(AuthorizationRequired, match="Invalid credentials"):
        cloudinary.api.ping(api_secret="wrong")


def test_resource_types_lists_present_types(emulator):
    upload("a")
    assert cloudinary.api.resource_types() == {"resource_types": ["image"]}


def test_list_has_the_documented_shape_and_omits_empty_tags_and_context(emulator):
    upload("plain")
    upload("tagged", tags=["x"], context={"alt": "hi"})
    answer = cloudinary.api.resources(tags=True, context=True, metadata=True)
    assert set(answer) == {"resources"}
    by_id = {r["public_id"]: r for r in answer["resources"]}
    for item in by_id.values():
        assert_list_item(item)
    assert "tags" not in by_id["plain"] and "context" not in by_id["plain"]
    assert by_id["tagged"]["tags"] == ["x"]
    assert by_id["tagged"]["context"] == {"custom": {"alt": "hi"}}


def test_list_without_flags_has_no_tags(emulator):
    upload("tagged", tags=["x"])
    assert "tags" not in cloudinary.api.resources()["resources"][0]


def test_list_defaults_to_newest_first_and_supports_direction(emulator):
    for name in ("one", "two", "three"):
        upload(name)
    newest = [r["public_id"] for r in cloudinary.api.resources()["resources"]]
    oldest = [r["public_id"] for r in cloudinary.api.resources(direction="asc")["resources"]]
    assert newest == ["three", "two", "one"] and oldest == ["one", "two", "three"]


def test_list_by_prefix_sorts_by_public_id(emulator):
    for name in ("f/b", "f/a", "g/c"):
        upload(name)
    answer = cloudinary.api.resources(type="upload", prefix="f/")
    assert [r["public_id"] for r in answer["resources"]] == ["f/a", "f/b"]


def test_list_pages_with_opaque_cursor_and_total_absent_when_done(emulator):
    emulator.seed_bulk(25)
    seen, cursor = [], None
    while True:
        page = cloudinary.api.resources(max_results=10, next_cursor=cursor)
        seen += [r["public_id"] for r in page["resources"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 25


@pytest.mark.parametrize("max_results", [0, 501, "abc"])
def test_list_rejects_bad_max_results(emulator, max_results):
    with pytest.raises(BadRequest):
        cloudinary.api.resources(max_results=max_results)


def test_list_by_tag_context_moderation_ids_and_asset_ids(emulator):
    first = upload("m1", tags=["shoe"], context={"season": "winter"}, moderation="manual")
    upload("m2", tags=["boot"], context={"season": "summer"})
    assert [r["public_id"] for r in cloudinary.api.resources_by_tag("shoe")["resources"]] == ["m1"]
    ctx = cloudinary.api.resources_by_context("season", "summer")["resources"]
    assert [r["public_id"] for r in ctx] == ["m2"]
    assert len(cloudinary.api.resources_by_context("season")["resources"]) == 2
    pending = cloudinary.api.resources_by_moderation("manual", "pending")["resources"]
    assert [(r["public_id"], r["moderation_status"]) for r in pending] == [("m1", "pending")]
    by_ids = cloudinary.api.resources_by_ids(["m2", "nope", "m1"])["resources"]
    assert [r["public_id"] for r in by_ids] == ["m2", "m1"]
    by_asset = cloudinary.api.resources_by_asset_ids([first["asset_id"]])["resources"]
    assert [r["public_id"] for r in by_asset] == ["m1"]


def test_details_by_public_id_and_asset_id(emulator):
    uploaded = upload("folder/item", tags=["b", "a"], metadata={"product_line": "kids"})
    details = cloudinary.api.resource("folder/item")
    assert details["asset_id"] == uploaded["asset_id"]
    assert details["tags"] == ["a", "b"]
    assert details["metadata"] == {"product_line": "kids"}
    assert details["derived"] == [] and ISO.match(details["last_updated"]["updated_at"])
    assert cloudinary.api.resource_by_asset_id(uploaded["asset_id"])["public_id"] == "folder/item"


def test_details_of_missing_resource_is_404(emulator):
    with pytest.raises(NotFound, match="Resource not found - missing/one"):
        cloudinary.api.resource("missing/one")


def test_update_changes_fields_and_advances_updated_at(emulator):
    upload("u1", tags=["old"], moderation="manual")
    before = cloudinary.api.resource("u1")["last_updated"]["updated_at"]
    answer = cloudinary.api.update(
        "u1", tags=["n1", "n2"], context={"alt": "x|y", "title": "T"},
        metadata={"campaign": "evergreen", "market": ["us", "jp"]},
        moderation_status="approved", display_name="Nice", asset_folder="kestrel/x")
    assert answer["tags"] == ["n1", "n2"]
    assert answer["context"] == {"custom": {"alt": "x|y", "title": "T"}}
    assert answer["metadata"] == {"campaign": "evergreen", "market": ["us", "jp"]}
    assert answer["moderation_status"] == "approved"
    assert answer["moderation"][0]["kind"] == "manual"
    assert (answer["display_name"], answer["asset_folder"]) == ("Nice", "kestrel/x")
    assert answer["last_updated"]["updated_at"] >= before


def test_update_rejects_unknown_metadata_value(emulator):
    upload("u2")
    with pytest.raises(BadRequest):
        cloudinary.api.update("u2", metadata={"product_line": "spaceships"})
    with pytest.raises(BadRequest):
        cloudinary.api.update("u2", metadata={"no_such_field": "x"})


def test_update_of_missing_resource_is_404(emulator):
    with pytest.raises(NotFound):
        cloudinary.api.update("ghost", tags=["x"])


def test_delete_by_ids_prefix_all_tag_and_asset_ids(emulator):
    for name in ("d/1", "d/2", "e/1", "t/1", "t/2"):
        upload(name, tags=["gone"] if name.startswith("t/") else None)
    answer = cloudinary.api.delete_resources(["d/1", "missing"])
    assert answer["deleted"] == {"d/1": "deleted", "missing": "not_found"}
    assert answer["partial"] is False and answer["deleted_counts"]["d/1"]["original"] == 1
    assert cloudinary.api.delete_resources_by_prefix("d/")["deleted"] == {"d/2": "deleted"}
    assert set(cloudinary.api.delete_resources_by_tag("gone")["deleted"]) == {"t/1", "t/2"}
    asset_id = cloudinary.api.resource("e/1")["asset_id"]
    by_asset = cloudinary.api.delete_resources_by_asset_ids([asset_id])
    assert by_asset["deleted"] == {asset_id: "deleted"}
    upload("z")
    assert cloudinary.api.delete_all_resources()["deleted"] == {"z": "deleted"}
    assert cloudinary.api.resources()["resources"] == []


def test_tags_listing_with_prefix_and_paging(emulator):
    upload("a", tags=["line:trail", "line:kids", "red"])
    assert cloudinary.api.tags()["tags"] == ["line:kids", "line:trail", "red"]
    assert cloudinary.api.tags(prefix="line:")["tags"] == ["line:kids", "line:trail"]
    first = cloudinary.api.tags(max_results=2)
    second = cloudinary.api.tags(max_results=2, next_cursor=first["next_cursor"])
    assert first["tags"] + second["tags"] == ["line:kids", "line:trail", "red"]


def test_metadata_fields_crud_and_datasource(emulator):
    listed = cloudinary.api.list_metadata_fields()["metadata_fields"]
    assert {f["external_id"] for f in listed} >= {"product_line", "campaign", "market",
                                                  "asset_kind", "title", "locale"}
    created = cloudinary.api.add_metadata_field({
        "type": "enum", "external_id": "season", "label": "Season",
        "datasource": {"values": [{"external_id": "ss", "value": "Spring/Summer"}]}})
    assert created["datasource"]["values"][0] == {"external_id": "ss", "value": "Spring/Summer",
                                                  "state": "active"}
    assert cloudinary.api.metadata_field_by_field_id("season")["label"] == "Season"
    assert cloudinary.api.update_metadata_field("season", {"label": "Saison"})["label"] == "Saison"
    datasource = cloudinary.api.update_metadata_field_datasource(
        "season", [{"external_id": "fw", "value": "Fall/Winter"}])
    assert [v["external_id"] for v in datasource["values"]] == ["ss", "fw"]
    after = cloudinary.api.delete_datasource_entries("season", ["ss"])
    assert after["values"] == [{"external_id": "fw", "value": "Fall/Winter"}]
    field = cloudinary.api.metadata_field_by_field_id("season")
    assert [v["state"] for v in field["datasource"]["values"]] == ["inactive", "active"]
    assert cloudinary.api.delete_metadata_field("season") == {"message": "ok"}
    with pytest.raises(NotFound):
        cloudinary.api.metadata_field_by_field_id("season")
    with pytest.raises(BadRequest):
        cloudinary.api.add_metadata_field({"type": "colour", "label": "Bad"})


def test_usage_reports_counts(emulator):
    upload("a")
    usage = cloudinary.api.usage()
    assert usage["resources"] == 1 and usage["storage"]["usage"] > 0


def test_api_calls_are_counted_per_endpoint(emulator):
    cloudinary.api.ping()
    cloudinary.api.resources()
    cloudinary.api.resources()
    assert emulator.api_calls["total"] == 3
    assert emulator.api_calls["resources.list"] == 2 and emulator.api_calls["ping"] == 1
