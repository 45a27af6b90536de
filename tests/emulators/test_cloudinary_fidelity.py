"""The emulator answers as the SDK and Cloudinary's documentation say the real service does.

Driven through the unmodified SDK over HTTP: metadata in listings, the upload response
signature, the Folders API and the structured metadata field operations.
"""

from __future__ import annotations

import io

import cloudinary
import cloudinary.api
import cloudinary.uploader
import cloudinary.utils
import pytest
from cloudinary.exceptions import AlreadyExists, BadRequest, NotFound
from PIL import Image


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def tagged(emulator):
    """One asset with tags, context, moderation and structured metadata."""
    return cloudinary.uploader.upload(
        png(), public_id="kestrel/trail/boot", tags=["boots"], context={"season": "ss27"},
        metadata={"product_line": "trail", "market": ["de", "fr"]}, moderation="manual")


# -- metadata in listings ----------------------------------------------------------------
LISTINGS = {
    "resources": lambda up, **o: cloudinary.api.resources(**o),
    "resources_by_tag": lambda up, **o: cloudinary.api.resources_by_tag("boots", **o),
    "resources_by_context": lambda up, **o: cloudinary.api.resources_by_context("season", **o),
    "resources_by_moderation": lambda up, **o: cloudinary.api.resources_by_moderation(
        "manual", "pending", **o),
    "resources_by_ids": lambda up, **o: cloudinary.api.resources_by_ids([up["public_id"]], **o),
    "resources_by_asset_ids": lambda up, **o: cloudinary.api.resources_by_asset_ids(
        [up["asset_id"]], **o),
}


@pytest.mark.parametrize("listing", sorted(LISTINGS))
def test_every_listing_includes_structured_metadata_when_asked(tagged, listing):
    # when
    resources = LISTINGS[listing](tagged, metadata=True)["resources"]
    # then
    assert [r["public_id"] for r in resources] == ["kestrel/trail/boot"]
    assert resources[0]["metadata"] == {"product_line": "trail", "market": ["de", "fr"]}


@pytest.mark.parametrize("listing", sorted(LISTINGS))
def test_listings_leave_metadata_out_unless_asked(tagged, listing):
    assert "metadata" not in LISTINGS[listing](tagged)["resources"][0]


# -- upload response signature -----------------------------------------------------------
def test_an_upload_response_signature_verifies_with_the_sdk(emulator):
    # when
    answer = cloudinary.uploader.upload(png(), public_id="signed/one")
    # then
    assert cloudinary.utils.verify_api_response_signature(
        answer["public_id"], answer["version"], answer["signature"])


def test_a_signature_with_one_byte_changed_does_not_verify(emulator):
    answer = cloudinary.uploader.upload(png(), public_id="signed/two")
    signature = answer["signature"]
    tampered = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    assert not cloudinary.utils.verify_api_response_signature(
        answer["public_id"], answer["version"], tampered)
    assert not cloudinary.utils.verify_api_response_signature(
        answer["public_id"], answer["version"] + 1, signature)


def test_the_signature_follows_the_configured_sha256_algorithm(emulator):
    emulator.signature_algorithm = "sha256"
    answer = cloudinary.uploader.upload(png(), public_id="signed/three")
    assert len(answer["signature"]) == 64
    assert cloudinary.utils.verify_api_response_signature(
        answer["public_id"], answer["version"], answer["signature"], algorithm="sha256")


def test_explicit_answers_are_signed_too(emulator):
    cloudinary.uploader.upload(png(), public_id="signed/four")
    answer = cloudinary.uploader.explicit("signed/four", type="upload", tags=["x"])
    assert cloudinary.utils.verify_api_response_signature(
        answer["public_id"], answer["version"], answer["signature"])


# -- Folders API -------------------------------------------------------------------------
def test_folders_are_created_listed_renamed_and_deleted(emulator):
    # when
    created = cloudinary.api.create_folder("campaigns/spring")
    # then
    assert created["success"] is True
    assert (created["name"], created["path"]) == ("spring", "campaigns/spring")
    root = cloudinary.api.root_folders()
    assert [f["path"] for f in root["folders"]] == ["campaigns"]
    assert root["total_count"] == 1 and root["next_cursor"] is None
    assert cloudinary.api.subfolders("campaigns")["folders"][0]["path"] == "campaigns/spring"
    # when
    renamed = cloudinary.api.rename_folder("campaigns/spring", "campaigns/spring-2027")
    # then
    assert renamed == {"from": {"name": "spring", "path": "campaigns/spring"},
                       "to": {"name": "spring-2027", "path": "campaigns/spring-2027"}}
    assert [f["path"] for f in cloudinary.api.subfolders("campaigns")["folders"]] == \
        ["campaigns/spring-2027"]
    # when
    deleted = cloudinary.api.delete_folder("campaigns")
    # then
    assert deleted == {"deleted": ["campaigns/spring-2027", "campaigns"]}
    assert cloudinary.api.root_folders()["folders"] == []


def test_folder_answers_carry_the_rate_limit_headers(emulator):
    for answer in (cloudinary.api.create_folder("a"), cloudinary.api.root_folders(),
                   cloudinary.api.subfolders("a"), cloudinary.api.rename_folder("a", "b"),
                   cloudinary.api.delete_folder("b")):
        assert answer.rate_limit_allowed > 0 and answer.rate_limit_remaining >= 0
        assert answer.rate_limit_reset_at is not None


def test_root_folders_page_with_max_results_and_next_cursor(emulator):
    for name in ("delta", "alpha", "echo", "charlie", "bravo"):
        cloudinary.api.create_folder(name)
    # when
    first = cloudinary.api.root_folders(max_results=2)
    second = cloudinary.api.root_folders(max_results=2, next_cursor=first["next_cursor"])
    third = cloudinary.api.root_folders(max_results=2, next_cursor=second["next_cursor"])
    # then
    pages = [[f["name"] for f in page["folders"]] for page in (first, second, third)]
    assert pages == [["alpha", "bravo"], ["charlie", "delta"], ["echo"]]
    assert first["total_count"] == 5 and third["next_cursor"] is None


def test_subfolders_page_too(emulator):
    for name in ("c", "a", "b"):
        cloudinary.api.create_folder(f"root/{name}")
    first = cloudinary.api.subfolders("root", max_results=2)
    second = cloudinary.api.subfolders("root", max_results=2, next_cursor=first["next_cursor"])
    assert [f["path"] for f in first["folders"] + second["folders"]] == \
        ["root/a", "root/b", "root/c"]


def test_asset_folders_appear_as_folders_and_move_with_a_rename(emulator):
    cloudinary.uploader.upload(png(), public_id="boot", asset_folder="kestrel/trail")
    assert [f["path"] for f in cloudinary.api.root_folders()["folders"]] == ["kestrel"]
    # when
    cloudinary.api.rename_folder("kestrel", "brand")
    # then
    assert cloudinary.api.resource("boot")["asset_folder"] == "brand/trail"
    assert [f["path"] for f in cloudinary.api.subfolders("brand")["folders"]] == ["brand/trail"]


def test_a_folder_with_assets_is_not_deleted(emulator):
    cloudinary.uploader.upload(png(), public_id="boot", asset_folder="full/inner")
    with pytest.raises(BadRequest, match="Folder is not empty"):
        cloudinary.api.delete_folder("full")
    assert cloudinary.api.resource("boot")["asset_folder"] == "full/inner"


def test_folder_errors_are_the_documented_ones(emulator):
    cloudinary.api.create_folder("here")
    with pytest.raises(AlreadyExists):
        cloudinary.api.create_folder("here")
    with pytest.raises(NotFound):
        cloudinary.api.subfolders("nowhere")
    with pytest.raises(NotFound):
        cloudinary.api.rename_folder("nowhere", "elsewhere")
    with pytest.raises(NotFound):
        cloudinary.api.delete_folder("nowhere")
    cloudinary.api.create_folder("there")
    with pytest.raises(AlreadyExists):
        cloudinary.api.rename_folder("here", "there")


def test_created_folders_survive_a_restart(tmp_path):
    from emulators.cloudinary import CloudinaryEmulator

    from .conftest import configure_sdk

    with CloudinaryEmulator(state_dir=str(tmp_path)) as emu:
        configure_sdk(emu)
        cloudinary.api.create_folder("kept/inner")
    with CloudinaryEmulator(state_dir=str(tmp_path)) as again:
        configure_sdk(again)
        assert [f["path"] for f in cloudinary.api.subfolders("kept")["folders"]] == \
            ["kept/inner"]


# -- structured metadata fields ----------------------------------------------------------
@pytest.fixture
def colours(emulator):
    return cloudinary.api.add_metadata_field({
        "type": "set", "external_id": "colour", "label": "Colour",
        "datasource": {"values": [{"external_id": "red", "value": "Red"},
                                  {"external_id": "blue", "value": "Blue"},
                                  {"external_id": "green", "value": "Green"}]}})


def test_an_update_ignores_external_id_and_type_and_applies_the_rest(emulator):
    cloudinary.api.add_metadata_field({"type": "string", "external_id": "note", "label": "Note"})
    # when
    updated = cloudinary.api.update_metadata_field("note", {
        "external_id": "other", "type": "integer", "label": "Remark", "mandatory": True,
        "default_value": "n/a"})
    # then
    assert (updated["external_id"], updated["type"]) == ("note", "string")
    assert (updated["label"], updated["mandatory"], updated["default_value"]) == \
        ("Remark", True, "n/a")
    with pytest.raises(NotFound):
        cloudinary.api.metadata_field_by_field_id("other")


def test_updating_the_datasource_returns_the_new_entries(colours):
    # when
    answer = cloudinary.api.update_metadata_field_datasource(
        "colour", [{"external_id": "red", "value": "Crimson"},
                   {"external_id": "black", "value": "Black"}])
    # then
    assert answer["values"] == [{"external_id": "red", "value": "Crimson"},
                                {"external_id": "blue", "value": "Blue"},
                                {"external_id": "green", "value": "Green"},
                                {"external_id": "black", "value": "Black"}]


def test_updating_a_field_with_a_datasource_returns_the_field_with_the_new_entries(colours):
    field = cloudinary.api.update_metadata_field(
        "colour", {"datasource": {"values": [{"external_id": "white", "value": "White"}]}})
    assert [v["external_id"] for v in field["datasource"]["values"]] == \
        ["red", "blue", "green", "white"]


def test_deleted_entries_leave_the_active_values_and_a_restore_brings_them_back(colours):
    cloudinary.uploader.upload(png(), public_id="shirt", metadata={"colour": ["blue"]})
    # when
    after_delete = cloudinary.api.delete_datasource_entries("colour", ["blue"])
    # then
    assert [v["external_id"] for v in after_delete["values"]] == ["red", "green"]
    with pytest.raises(BadRequest):
        cloudinary.uploader.upload(png(), public_id="sock", metadata={"colour": ["blue"]})
    # when
    restored = cloudinary.api.restore_metadata_field_datasource("colour", ["blue"])
    # then
    assert [v["external_id"] for v in restored["values"]] == ["red", "blue", "green"]
    cloudinary.uploader.upload(png(), public_id="sock", metadata={"colour": ["blue"]})


def test_deleting_unknown_entries_is_a_bad_request_that_changes_nothing(colours):
    with pytest.raises(BadRequest, match="nope"):
        cloudinary.api.delete_datasource_entries("colour", ["red", "nope"])
    field = cloudinary.api.metadata_field_by_field_id("colour")
    assert {v["state"] for v in field["datasource"]["values"]} == {"active"}


def test_a_datasource_is_reordered_by_value_ascending_by_default(colours):
    ascending = cloudinary.api.reorder_metadata_field_datasource("colour", "value")
    assert [v["value"] for v in ascending["values"]] == ["Blue", "Green", "Red"]
    descending = cloudinary.api.reorder_metadata_field_datasource("colour", "value", "desc")
    assert [v["value"] for v in descending["values"]] == ["Red", "Green", "Blue"]
    field = cloudinary.api.metadata_field_by_field_id("colour")
    assert [v["value"] for v in field["datasource"]["values"]] == ["Red", "Green", "Blue"]


def test_a_datasource_reorder_by_anything_but_value_is_refused(colours):
    with pytest.raises(BadRequest):
        cloudinary.api.reorder_metadata_field_datasource("colour", "external_id")
    with pytest.raises(BadRequest):
        cloudinary.api.reorder_metadata_field_datasource("colour", "value", "sideways")


def test_metadata_fields_are_reordered_by_label_external_id_or_creation(emulator):
    created = [f["external_id"] for f in cloudinary.api.list_metadata_fields()["metadata_fields"]]
    # when
    by_label = cloudinary.api.reorder_metadata_fields("label")
    # then
    labels = [f["label"] for f in by_label["metadata_fields"]]
    assert labels == sorted(labels, key=str.casefold)
    listed = cloudinary.api.list_metadata_fields()["metadata_fields"]
    assert [f["label"] for f in listed] == labels
    by_id = cloudinary.api.reorder_metadata_fields("external_id", "desc")["metadata_fields"]
    assert [f["external_id"] for f in by_id] == sorted(created, reverse=True)
    with pytest.raises(BadRequest):
        cloudinary.api.reorder_metadata_fields("colour")


def test_a_deleted_fields_external_id_is_not_released(emulator):
    cloudinary.api.add_metadata_field({"type": "integer", "external_id": "gone", "label": "G"})
    cloudinary.api.delete_metadata_field("gone")
    with pytest.raises(BadRequest):
        cloudinary.api.add_metadata_field({"type": "integer", "external_id": "gone",
                                           "label": "G"})


def test_reordering_by_created_at_restores_the_creation_order(emulator):
    created = [f["external_id"] for f in cloudinary.api.list_metadata_fields()["metadata_fields"]]
    cloudinary.api.reorder_metadata_fields("label", "desc")
    cloudinary.api.add_metadata_field({"type": "string", "external_id": "newest", "label": "A"})
    # when
    fields = cloudinary.api.reorder_metadata_fields("created_at")["metadata_fields"]
    # then
    assert [f["external_id"] for f in fields] == [*created, "newest"]
