"""Delivery protection of the Cloudinary emulator, through the real SDK over HTTP.

Token-based access (``__cld_token__``), the ``authenticated`` and ``private`` delivery
types, ``access_control`` on ``upload``-type assets, signed API links for protected assets,
and the revocation primitives (rename, destroy, re-upload from a protected URL).
"""

from __future__ import annotations

import io
import time
import zipfile
from datetime import UTC, datetime, timedelta

import cloudinary
import cloudinary.api
import cloudinary.uploader
import cloudinary.utils
import pytest
import requests
from cloudinary.exceptions import BadRequest
from PIL import Image

from emulators.cloudinary import CloudinaryEmulator
from emulators.cloudinary.__main__ import parse_args
from tests.emulators.conftest import configure_sdk

TOKEN_KEY = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
ACL_FAILURE = "deny or ACL failure"


def image(width=64, height=48, colour=(200, 10, 10), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, fmt)
    return out.getvalue()


def picture(body: bytes) -> Image.Image:
    return Image.open(io.BytesIO(body))


@pytest.fixture
def cloud():
    """An empty emulator with token-based access enabled, the SDK pointed at it."""
    emu = CloudinaryEmulator(seed="empty", auth_token_key=TOKEN_KEY).start()
    configure_sdk(emu)
    yield emu
    emu.stop()
    cloudinary.reset_config()


@pytest.fixture
def cloud_without_tokens():
    """An emulator whose account has no token-based access (no key)."""
    emu = CloudinaryEmulator(seed="empty").start()
    configure_sdk(emu)
    yield emu
    emu.stop()
    cloudinary.reset_config()


def url(public_id, **options) -> str:
    return cloudinary.utils.cloudinary_url(public_id, **options)[0]


def tokened(public_id, key=TOKEN_KEY, **options) -> str:
    """A URL the way the portal makes it: sign_url with an auth_token (no s--SIG--)."""
    token = {"key": key, "duration": 300, **options.pop("token", {})}
    return url(public_id, sign_url=True, auth_token=token, **options)


def acl_token(acl, **options) -> str:
    return cloudinary.utils.generate_auth_token(key=TOKEN_KEY, acl=acl, duration=300,
                                                **options)


def get(link, **kwargs) -> requests.Response:
    return requests.get(link, timeout=10, **kwargs)


def refusal(response) -> tuple[int, str]:
    return response.status_code, response.headers.get("X-Cld-Error", "")


def upload(public_id, data=None, **options) -> dict:
    return cloudinary.uploader.upload(data or image(), public_id=public_id, **options)


# ---------------------------------------------------------------- tokens on authenticated


def test_sdk_url_with_auth_token_carries_a_token_and_no_signature(cloud):
    upload("kit/hero", type="authenticated")

    link = tokened("kit/hero", type="authenticated", format="png", width=32, crop="scale")

    assert "__cld_token__=" in link and "/s--" not in link
    response = get(link)
    assert response.status_code == 200
    assert picture(response.content).size == (32, 24)


def test_url_bound_token_refuses_a_tampered_transformation(cloud):
    upload("kit/hero", type="authenticated")
    link = tokened("kit/hero", type="authenticated", format="png", width=32, crop="scale")

    assert refusal(get(link.replace("w_32", "w_640"))) == (401, ACL_FAILURE)


def test_url_bound_token_refuses_another_public_id(cloud):
    upload("kit/hero", type="authenticated")
    upload("kit/secret", type="authenticated")
    link = tokened("kit/hero", type="authenticated", format="png")

    assert get(link).status_code == 200
    assert refusal(get(link.replace("kit/hero", "kit/secret"))) == (401, ACL_FAILURE)


def test_expired_token_is_refused(cloud):
    upload("kit/hero", type="authenticated")
    link = tokened("kit/hero", type="authenticated", format="png",
                   token={"duration": None, "expiration": int(time.time()) - 1})

    assert refusal(get(link)) == (401, ACL_FAILURE)


def test_token_that_starts_in_the_future_is_refused(cloud):
    upload("kit/hero", type="authenticated")
    later = int(time.time()) + 600
    link = tokened("kit/hero", type="authenticated", format="png",
                   token={"start_time": later, "duration": 300})

    assert refusal(get(link)) == (401, ACL_FAILURE)


def test_token_with_an_edited_expiry_is_refused(cloud):
    upload("kit/hero", type="authenticated")
    link = tokened("kit/hero", type="authenticated", format="png")
    expiry = link.split("exp=")[1].split("~")[0]

    assert get(link).status_code == 200
    assert refusal(get(link.replace(f"exp={expiry}", f"exp={int(expiry) + 86400}"))) == (
        401, ACL_FAILURE)


def test_token_made_with_another_key_is_refused(cloud):
    upload("kit/hero", type="authenticated")
    link = tokened("kit/hero", key="00" * 16, type="authenticated", format="png")

    assert refusal(get(link)) == (401, ACL_FAILURE)


def test_authenticated_url_without_signature_or_token_is_refused(cloud):
    upload("kit/hero", type="authenticated")

    assert refusal(get(url("kit/hero", type="authenticated", format="png"))) == (
        403, "Missing signature")


def test_signed_authenticated_url_still_works_when_tokens_are_enabled(cloud):
    upload("kit/hero", type="authenticated")

    response = get(url("kit/hero", type="authenticated", format="png", sign_url=True))

    assert response.status_code == 200 and picture(response.content).format == "PNG"


def test_acl_token_with_wildcard_opens_every_url_under_it(cloud):
    upload("kit/hero", type="authenticated")
    upload("kit/detail", type="authenticated")
    token = acl_token("/image/authenticated/*/kit/*")  # transformations and v1/ come first

    for link in (url("kit/hero", type="authenticated", format="png"),
                 url("kit/detail", type="authenticated", format="jpg", width=20, crop="scale")):
        response = get(f"{link}?{token}")
        assert response.status_code == 200
        assert picture(response.content).format in ("PNG", "JPEG")


def test_acl_token_refuses_a_path_outside_the_acl(cloud):
    upload("kit/hero", type="authenticated")
    upload("other/hero", type="authenticated")
    token = acl_token("/image/authenticated/v1/kit/*")

    link = url("other/hero", type="authenticated", format="png")

    assert refusal(get(f"{link}?{token}")) == (401, ACL_FAILURE)


def test_acl_token_with_several_acls_accepts_any_of_them(cloud):
    upload("b/hero", type="authenticated")
    token = acl_token(["/image/authenticated/*/a/*", "/demo/image/authenticated/*/b/*"])

    assert get(f"{url('b/hero', type='authenticated', format='png')}?{token}").status_code == 200


def test_token_is_accepted_from_the_cookie(cloud):
    upload("kit/hero", type="authenticated")
    name, _, value = acl_token("/image/authenticated/*").partition("=")
    link = url("kit/hero", type="authenticated", format="png")

    assert get(link, cookies={name: value}).status_code == 200
    assert get(link, cookies={name: value.replace("hmac=", "hmac=0")}).status_code == 401


def test_ip_bound_token_is_served_only_to_that_address(cloud):
    upload("kit/hero", type="authenticated")
    link = url("kit/hero", type="authenticated", format="png")

    assert get(f"{link}?{acl_token('/*', ip='127.0.0.1')}").status_code == 200
    assert refusal(get(f"{link}?{acl_token('/*', ip='10.1.2.3')}")) == (401, ACL_FAILURE)


def test_tokens_are_ignored_without_an_auth_token_key(cloud_without_tokens):
    upload("kit/hero", type="authenticated")

    response = get(tokened("kit/hero", type="authenticated", format="png"))

    assert refusal(response) == (403, "Missing signature")


def test_auth_token_key_must_be_hex():
    with pytest.raises(ValueError, match="hexadecimal"):
        CloudinaryEmulator(auth_token_key="not-hex")


def test_cli_takes_an_auth_token_key():
    assert parse_args(["--auth-token-key", TOKEN_KEY]).auth_token_key == TOKEN_KEY
    assert parse_args([]).auth_token_key is None


# ---------------------------------------------------------------- private


def test_private_original_needs_a_signature_but_derived_versions_do_not(cloud):
    upload("vault/plan", type="private", data=image(fmt="JPEG"))

    unsigned_original = get(url("vault/plan", type="private", format="jpg"))
    signed_original = get(url("vault/plan", type="private", format="jpg", sign_url=True))
    derived = get(url("vault/plan", type="private", format="jpg", width=16, crop="scale"))
    tampered = get(url("vault/plan", type="private", format="jpg", sign_url=True,
                       width=16, crop="scale").replace("w_16", "w_17"))

    assert refusal(unsigned_original) == (403, "Missing signature")
    assert signed_original.status_code == 200
    assert derived.status_code == 200 and picture(derived.content).size == (16, 12)
    assert refusal(tampered) == (403, "Invalid signature")


def test_private_original_in_another_format_is_a_derived_version(cloud):
    upload("vault/plan", type="private", data=image(fmt="JPEG"))

    response = get(url("vault/plan", type="private", format="png"))

    assert response.status_code == 200 and picture(response.content).format == "PNG"


# ---------------------------------------------------------------- access_control


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


NOW = datetime.now(UTC)
OPEN_WINDOW = {"access_type": "anonymous", "start": iso(NOW - timedelta(days=1)),
               "end": iso(NOW + timedelta(days=1))}
CLOSED_WINDOW = {"access_type": "anonymous", "start": iso(NOW - timedelta(days=2)),
                 "end": iso(NOW - timedelta(days=1))}
FUTURE_WINDOW = {"access_type": "anonymous", "start": iso(NOW + timedelta(days=1))}


def test_upload_without_access_control_stays_public(cloud):
    answer = upload("open/hero")

    assert answer["access_mode"] == "public" and "access_control" not in answer
    assert get(url("open/hero", format="png", width=10, crop="scale")).status_code == 200


def test_token_access_control_is_reported_everywhere(cloud):
    answer = upload("kit/locked", access_control=[{"access_type": "token"}])
    rules = [{"access_type": "token"}]

    details = cloudinary.api.resource("kit/locked")
    listed = cloudinary.api.resources(prefix="kit/")["resources"][0]
    found = cloudinary.Search().expression("public_id=kit/locked").execute()["resources"][0]

    for shape in (answer, details, listed, found):
        assert (shape["access_mode"], shape["access_control"]) == ("authenticated", rules)


def test_token_restricted_upload_asset_needs_a_token_for_every_url(cloud):
    upload("kit/locked", access_control=[{"access_type": "token"}])

    original = get(url("kit/locked", format="png"))
    derived = get(url("kit/locked", format="png", width=10, crop="scale"))
    signed_only = get(url("kit/locked", format="png", sign_url=True))
    with_token = get(tokened("kit/locked", format="png", width=10, crop="scale"))
    tampered = get(tokened("kit/locked", format="png", width=10, crop="scale")
                   .replace("w_10", "w_11"))

    assert refusal(original) == (401, ACL_FAILURE)
    assert refusal(derived) == (401, ACL_FAILURE)
    assert refusal(signed_only) == (401, ACL_FAILURE)
    assert with_token.status_code == 200 and picture(with_token.content).size == (10, 8)
    assert refusal(tampered) == (401, ACL_FAILURE)


def test_restricted_asset_is_refused_when_the_account_has_no_token_auth(cloud_without_tokens):
    upload("kit/locked", access_control=[{"access_type": "token"}])

    assert refusal(get(tokened("kit/locked", format="png"))) == (401, ACL_FAILURE)


@pytest.mark.parametrize(("rules", "status"), [
    ([OPEN_WINDOW], 200),
    ([CLOSED_WINDOW], 401),
    ([FUTURE_WINDOW], 401),
    ([CLOSED_WINDOW, OPEN_WINDOW], 200),
])
def test_anonymous_windows_decide_unsigned_delivery(cloud, rules, status):
    upload("kit/launch", access_control=rules)

    assert get(url("kit/launch", format="png")).status_code == status


def test_several_rules_are_alternatives(cloud):
    upload("kit/launch", access_control=[CLOSED_WINDOW, {"access_type": "token"}])

    assert get(url("kit/launch", format="png")).status_code == 401
    assert get(tokened("kit/launch", format="png")).status_code == 200


def test_explicit_and_update_set_and_clear_access_control(cloud):
    upload("kit/hero")
    link = url("kit/hero", format="png")

    explicit = cloudinary.uploader.explicit("kit/hero", type="upload", invalidate=True,
                                            access_control=[{"access_type": "token"}])
    refused = get(link)
    updated = cloudinary.api.update("kit/hero", access_control=[OPEN_WINDOW])
    in_window = get(link)
    cleared = cloudinary.api.update("kit/hero", access_control=[])

    assert explicit["access_mode"] == "authenticated" and refused.status_code == 401
    assert updated["access_control"] == [OPEN_WINDOW] and in_window.status_code == 200
    assert cleared["access_mode"] == "public" and "access_control" not in cleared
    assert get(link).status_code == 200


@pytest.mark.parametrize("rules", [
    [{"access_type": "password"}],
    [{"access_type": "anonymous", "start": "not a date"}],
    [{"access_type": "anonymous", "start": iso(NOW), "end": iso(NOW - timedelta(days=1))}],
])
def test_invalid_access_control_is_a_400_that_changes_nothing(cloud, rules):
    upload("kit/hero")

    with pytest.raises(BadRequest, match="access_control"):
        cloudinary.api.update("kit/hero", access_control=rules, tags=["changed"])
    with pytest.raises(BadRequest, match="access_control"):
        upload("kit/new", access_control=rules)

    assert cloudinary.api.resource("kit/hero")["access_mode"] == "public"
    assert "tags" not in cloudinary.api.resource("kit/hero")
    assert cloud.store.get("image", "upload", "kit/new") is None


# ---------------------------------------------------------------- signed API links


@pytest.mark.parametrize("options", [
    {"type": "authenticated"},
    {"type": "private"},
    {"type": "upload", "access_control": [{"access_type": "token"}]},
])
def test_private_download_and_zip_links_serve_protected_assets(cloud, options):
    delivery_type = options["type"]
    upload("kit/hero", data=image(fmt="PNG"), **options)
    expires = int(time.time()) + 600

    download = get(cloudinary.utils.private_download_url(
        "kit/hero", "png", type=delivery_type, expires_at=expires, attachment=True))
    archive = get(cloudinary.utils.download_zip_url(
        public_ids=["kit/hero"], type=delivery_type, expires_at=expires))

    assert download.status_code == 200 and picture(download.content).format == "PNG"
    assert zipfile.ZipFile(io.BytesIO(archive.content)).namelist() == ["kit/hero.png"]


# ---------------------------------------------------------------- revocation


def test_rename_with_invalidate_retires_the_old_urls(cloud):
    upload("kit/hero", type="authenticated")
    old_signed = url("kit/hero", type="authenticated", format="png", sign_url=True)
    old_tokened = tokened("kit/hero", type="authenticated", format="png")
    assert get(old_signed).status_code == get(old_tokened).status_code == 200

    renamed = cloudinary.uploader.rename("kit/hero", "kit/hero-r2", type="authenticated",
                                         to_type="authenticated", invalidate=True)

    assert renamed["public_id"] == "kit/hero-r2"
    assert get(old_signed).status_code == 404
    assert get(old_tokened).status_code == 404
    assert get(tokened("kit/hero-r2", type="authenticated", format="png")).status_code == 200


def test_rename_to_authenticated_closes_the_public_url(cloud):
    upload("kit/hero")
    public = url("kit/hero", format="png")

    cloudinary.uploader.rename("kit/hero", "kit/hero", to_type="authenticated",
                               invalidate=True, overwrite=True)

    assert get(public).status_code == 404
    assert get(url("kit/hero", type="authenticated", format="png")).status_code == 403
    assert get(url("kit/hero", type="authenticated", format="png",
                   sign_url=True)).status_code == 200


def test_destroy_with_invalidate_makes_urls_404(cloud):
    upload("kit/hero", type="authenticated")
    link = tokened("kit/hero", type="authenticated", format="png")

    result = cloudinary.uploader.destroy("kit/hero", type="authenticated", invalidate=True)

    assert result["result"] == "ok" and get(link).status_code == 404


def test_delete_resources_accepts_invalidate(cloud):
    upload("kit/hero", type="authenticated")

    answer = cloudinary.api.delete_resources(["kit/hero"], type="authenticated",
                                             invalidate=True)

    assert answer["deleted"] == {"kit/hero": "deleted"}


@pytest.mark.parametrize("source", ["download", "token"])
def test_upload_from_a_protected_url_of_the_same_cloud(cloud, source):
    original = image(40, 30, colour=(0, 120, 0))
    upload("kit/source", data=original, type="authenticated")
    upload("kit/target", data=image(10, 10), type="authenticated")
    if source == "download":
        link = cloudinary.utils.private_download_url(
            "kit/source", "png", type="authenticated", expires_at=int(time.time()) + 600)
    else:
        link = tokened("kit/source", type="authenticated", format="png")

    answer = cloudinary.uploader.upload(link, public_id="kit/target", type="authenticated",
                                        overwrite=True, invalidate=True)

    stored = cloud.store.get("image", "authenticated", "kit/target")
    assert (answer["width"], answer["height"], answer["bytes"]) == (40, 30, len(original))
    assert answer["overwritten"] is True and answer["etag"] == stored.etag
    assert stored.data == original
    served = get(tokened("kit/target", type="authenticated", format="png"))
    assert picture(served.content).size == (40, 30)


def test_upload_from_a_refused_url_is_a_400_and_keeps_the_target(cloud):
    upload("kit/source", type="authenticated")
    upload("kit/target", data=image(10, 10), type="authenticated")
    unsigned = url("kit/source", type="authenticated", format="png")

    with pytest.raises(BadRequest, match="Error in loading"):
        cloudinary.uploader.upload(unsigned, public_id="kit/target", type="authenticated",
                                   overwrite=True, invalidate=True)

    assert picture(cloud.store.get("image", "authenticated", "kit/target").data).size == (
        10, 10)


def test_access_control_survives_a_restart(tmp_path):
    with CloudinaryEmulator(state_dir=str(tmp_path), auth_token_key=TOKEN_KEY) as first:
        configure_sdk(first)
        upload("kit/locked", access_control=[{"access_type": "token"}])
    with CloudinaryEmulator(state_dir=str(tmp_path), auth_token_key=TOKEN_KEY) as again:
        configure_sdk(again)
        details = cloudinary.api.resource("kit/locked")
        refused = get(url("kit/locked", format="png"))
        served = get(tokened("kit/locked", format="png"))
    cloudinary.reset_config()

    assert details["access_control"] == [{"access_type": "token"}]
    assert refusal(refused) == (401, ACL_FAILURE) and served.status_code == 200
