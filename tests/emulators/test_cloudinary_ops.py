"""Rate limit, fault injection, webhooks, persistence, seeds, delivery routing and the CLI."""

from __future__ import annotations

import email.utils
import io
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter

import cloudinary
import cloudinary.api
import cloudinary.uploader
import cloudinary.utils
import pytest
from cloudinary import Search
from cloudinary.exceptions import GeneralError, RateLimited
from PIL import Image

from emulators.cloudinary import CloudinaryEmulator
from emulators.cloudinary.__main__ import parse_args
from emulators.cloudinary.seed import ASSET_KINDS, CAMPAIGNS, MARKETS, PRODUCT_LINES

from .conftest import configure_sdk


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), (0, 128, 0)).save(out, "PNG")
    return out.getvalue()


# -- rate limit ---------------------------------------------------------------------------
def test_rate_limit_answers_420_when_spent_and_reports_headers():
    with CloudinaryEmulator(rate_limit=3) as emu:
        configure_sdk(emu)
        remaining = [cloudinary.api.ping().rate_limit_remaining for _ in range(2)]
        assert remaining == [2, 1]
        answer = Search().execute()
        assert answer.rate_limit_allowed == 3 and answer.rate_limit_remaining == 0
        reset = email.utils.parsedate_to_datetime(
            time.strftime("%a, %d %b %Y %H:%M:%S GMT", answer.rate_limit_reset_at))
        assert reset.minute == 0 and reset.second == 0 and reset.timestamp() > time.time()
        with pytest.raises(RateLimited, match=r"Rate Limit Exceeded\. Limit of 3 api "
                                              r"operations reached\. Try again on .* UTC"):
            cloudinary.api.resources()
        cloudinary.uploader.upload(png(), public_id="uploads-are-not-limited")


def test_rate_limit_window_resets(emulator):
    emulator.rate_limiter.limit = 1
    emulator.rate_limit_window_seconds = 1
    cloudinary.api.ping()
    with pytest.raises(RateLimited):
        cloudinary.api.ping()
    time.sleep(1.05)
    assert cloudinary.api.ping() == {"status": "ok"}


def test_exhaust_rate_limit_hook(emulator):
    emulator.exhaust_rate_limit()
    with pytest.raises(RateLimited):
        Search().execute()


# -- faults -------------------------------------------------------------------------------
def test_fail_rate_answers_with_configured_codes(emulator):
    emulator.faults.fail_rate = 1.0
    emulator.faults.fail_codes = (503,)
    with pytest.raises(GeneralError, match="Error 503"):
        cloudinary.api.ping()
    emulator.faults.fail_codes = (502,)
    with pytest.raises(Exception, match="Error 502"):
        cloudinary.api.resources()
    emulator.faults.reset()
    assert cloudinary.api.ping()["status"] == "ok"


def test_partial_fail_rate_hits_a_fraction(emulator):
    emulator.faults.fail_rate, emulator.faults.fail_codes = 0.5, (500,)
    outcomes = Counter()
    for _ in range(60):
        try:
            cloudinary.api.ping()
            outcomes["ok"] += 1
        except GeneralError:
            outcomes["fail"] += 1
    assert 10 < outcomes["fail"] < 50


def test_fail_next_and_dropped_connections(emulator):
    emulator.faults.fail_next(1, status=500)
    with pytest.raises(GeneralError):
        cloudinary.api.ping()
    assert cloudinary.api.ping()["status"] == "ok"
    emulator.faults.drop_rate = 1.0
    with pytest.raises(GeneralError):
        cloudinary.api.ping(timeout=5)
    emulator.faults.drop_rate = 0.0
    assert cloudinary.api.ping()["status"] == "ok"


def test_latency_is_added(emulator):
    emulator.faults.latency_ms = 200
    started = time.perf_counter()
    cloudinary.api.ping()
    assert time.perf_counter() - started >= 0.2


def test_every_answer_has_a_request_id(emulator):
    request = urllib.request.Request(f"{emulator.url}/v1_1/demo/ping")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request)
    assert caught.value.code == 401 and len(caught.value.headers["X-Request-Id"]) == 32
    assert json.loads(caught.value.read()) == {"error": {"message": "Invalid credentials"}}


# -- notifications ------------------------------------------------------------------------
def _verified(headers, body) -> bool:
    return cloudinary.utils.verify_notification_signature(
        body, headers["X-Cld-Timestamp"], headers["X-Cld-Signature"])


def test_notifications_are_signed_and_a_changed_body_does_not_verify(emulator, receiver):
    emulator.set_notification_url(receiver.url)
    cloudinary.uploader.upload(png(), public_id="n1")
    assert emulator.wait_for_notifications()
    headers, body = receiver.requests[0]
    assert _verified(headers, body)
    tampered = body.replace('"n1"', '"n2"')
    assert tampered != body and not _verified(headers, tampered)
    payload = json.loads(body)
    assert payload["notification_type"] == "upload" and payload["public_id"] == "n1"
    for key in ("timestamp", "request_id", "notification_context", "version", "asset_id"):
        assert key in payload


def test_each_change_sends_its_notification_type(emulator, receiver):
    emulator.set_notification_url(receiver.url)
    cloudinary.uploader.upload(png(), public_id="a", moderation="manual")
    cloudinary.uploader.upload(png(), public_id="a")
    cloudinary.api.update("a", moderation_status="approved")
    cloudinary.uploader.add_tag("t", ["a"])
    cloudinary.uploader.add_context({"k": "v"}, ["a"])
    cloudinary.uploader.update_metadata({"campaign": "evergreen"}, ["a"])
    cloudinary.uploader.rename("a", "b")
    cloudinary.uploader.destroy("b")
    assert emulator.wait_for_notifications()
    types = [p["notification_type"] for p in receiver.payloads()]
    assert types == ["upload", "upload", "moderation", "resource_tags_changed",
                     "resource_context_changed", "resource_metadata_changed", "rename", "delete"]
    moderation, tags, context, metadata, rename, delete = receiver.payloads()[2:]
    assert (moderation["moderation_status"], moderation["moderation_kind"]) == (
        "approved", "manual")
    assert tags["resources"][0]["added"] == ["t"]
    assert context["resources"]["a"]["added"] == [{"name": "k", "value": "v"}]
    assert metadata["resources"]["a"]["added"] == [{"external_id": "campaign",
                                                    "value": "evergreen"}]
    assert (rename["from_public_id"], rename["to_public_id"]) == ("a", "b")
    assert delete["resources"][0]["public_id"] == "b"
    assert all(_verified(h, b) for h, b in receiver.requests)


def test_per_request_notification_url_overrides(emulator, receiver):
    cloudinary.uploader.upload(png(), public_id="x", notification_url=receiver.url)
    assert emulator.wait_for_notifications() and len(receiver.requests) == 1


def test_failed_notifications_are_retried(emulator, receiver, monkeypatch):
    monkeypatch.setattr("emulators.cloudinary.notifications.RETRY_DELAYS", (0.01, 0.01))
    receiver.status = 500
    emulator.set_notification_url(receiver.url)
    cloudinary.uploader.upload(png(), public_id="r")
    assert emulator.wait_for_notifications()
    assert len(receiver.requests) == 3
    assert emulator.notifications_sent[0]["attempts"] == 3


# -- persistence ---------------------------------------------------------------------------
def test_state_survives_a_restart(tmp_path):
    with CloudinaryEmulator(state_dir=str(tmp_path)) as emu:
        configure_sdk(emu)
        uploaded = cloudinary.uploader.upload(png(), public_id="keep/me", tags=["t"],
                                              metadata={"market": ["gb"]})
        cloudinary.api.add_metadata_field({"type": "string", "external_id": "note",
                                           "label": "Note"})
    assert (tmp_path / "state.json").exists()
    with CloudinaryEmulator(state_dir=str(tmp_path), seed="demo") as again:
        configure_sdk(again)
        details = cloudinary.api.resource("keep/me")
        assert details["asset_id"] == uploaded["asset_id"] and details["tags"] == ["t"]
        assert details["metadata"] == {"market": ["gb"]}
        assert again.store.get("image", "upload", "keep/me").data == png()
        assert len(again.store) == 1  # loaded, not re-seeded
        assert cloudinary.api.metadata_field_by_field_id("note")["label"] == "Note"


# -- seeds ---------------------------------------------------------------------------------
def test_demo_seed_is_realistic_and_uses_the_taxonomy(demo):
    resources = demo.store.all()
    assert 250 <= len(resources) <= 350
    statuses = Counter(r.moderation_status for r in resources)
    assert statuses["pending"] > 0.08 * len(resources) and statuses["rejected"] > 0
    fields = cloudinary.api.list_metadata_fields()["metadata_fields"]
    values = {f["external_id"]: {v["external_id"] for v in f.get("datasource", {})
                                 .get("values", [])} for f in fields}
    assert values["product_line"] == set(PRODUCT_LINES)
    assert values["campaign"] == set(CAMPAIGNS) and values["market"] == set(MARKETS)
    assert values["asset_kind"] == set(ASSET_KINDS) and {"title", "locale"} <= set(values)
    assert {r.format for r in resources} >= {"jpg", "png", "pdf", "mp4"}
    assert any(r.resource_type == "video" for r in resources)
    assert any(len(r.versions) >= 2 for r in resources)
    assert any(not r.metadata and "line:trail" in r.tags for r in resources)
    assert any(not r.metadata and "product_line" in r.context for r in resources)
    assert all({"title", "description", "alt"} <= set(r.context) for r in resources)
    front = cloudinary.api.resource("kestrel/trail/product/trailblazer-2-front")
    assert front["metadata"]["product_line"] == "trail"
    assert Search().expression("metadata.locale=de-DE").execute()["total_count"] > 0
    banner = Search().expression("metadata.asset_kind=banner AND width=1920").execute()
    assert banner["total_count"] > 0 and banner["resources"][0]["height"] == 600
    pdfs = Search().expression("format:pdf").execute()["resources"]
    assert {r["pages"] for r in pdfs} == {1, 2, 3}


def test_demo_seed_is_deterministic(demo):
    from emulators.cloudinary.seed import seed_demo
    from emulators.cloudinary.store import Store

    other = Store()
    seed_demo(other)
    assert [(r.public_id, r.asset_id, r.etag, r.version) for r in other.all()] == [
        (r.public_id, r.asset_id, r.etag, r.version) for r in demo.store.all()]


def test_named_transformations_are_seeded(emulator):
    assert emulator.store.named_transformation("t_thumb") == "c_fill,w_400,h_400"
    assert emulator.store.named_transformation("web") == "c_limit,w_1920"
    names = [t["name"] for t in cloudinary.api.transformations()["transformations"]]
    assert {"t_thumb", "t_web"} <= set(names)


def test_store_find_for_delivery(emulator):
    emulator.seed_bulk(10, prefix="p")
    found = emulator.store.find(resource_type="image", prefixes=["p/trail/"])
    assert found and all(r.public_id.startswith("p/trail/") for r in found)
    assert emulator.store.find(public_ids=[found[0].public_id]) == [found[0]]
    assert len(emulator.store.find(tags=["line:kids"])) == 2


# -- delivery routing and CLI ---------------------------------------------------------------
def test_delivery_paths_are_routed_to_the_delivery_module(emulator, monkeypatch):
    calls = []

    class FakeDelivery:
        def serve(self, path, query, request=None):
            calls.append(("serve", path, query))
            return 200, {"Content-Type": "image/png"}, b"png"

        def download(self, resource_type, params):
            calls.append(("download", resource_type, params))
            return 200, {}, b"dl"

        def archive(self, resource_type, params):
            calls.append(("archive", resource_type, params))
            return 200, {}, b"zip"

    monkeypatch.setattr(emulator, "_delivery", FakeDelivery())
    url = cloudinary.utils.cloudinary_url("a/b", format="png", width=10, crop="fill")[0]
    assert url.startswith(f"{emulator.url}/demo/image/upload/c_fill,w_10/")
    assert urllib.request.urlopen(url).read() == b"png"
    download = cloudinary.utils.private_download_url("a/b", "png")
    assert urllib.request.urlopen(download).read() == b"dl"
    archive = cloudinary.utils.download_zip_url(public_ids=["a/b"])
    assert urllib.request.urlopen(archive).read() == b"zip"
    assert [c[0] for c in calls] == ["serve", "download", "archive"]
    assert calls[1][2]["public_id"] == ["a/b"] and calls[0][1].startswith("/demo/image/")


def test_cli_parses_every_option():
    args = parse_args(["--port", "9999", "--cloud", "c", "--key", "k", "--secret", "s",
                       "--seed", "empty", "--state", "/tmp/x", "--notification-url", "http://h",
                       "--rate-limit", "500", "--fail-rate", "0.2", "--fail-codes", "500,503",
                       "--latency-ms", "5", "--drop-rate", "0.1", "--seed-count", "7"])
    assert (args.port, args.rate_limit, args.fail_codes, args.seed_count) == (
        9999, 500, "500,503", 7)


def test_cli_starts_and_serves(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "emulators.cloudinary", "--port", "0", "--seed", "empty",
         "--seed-count", "5"], stdout=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        assert "5 assets at http://127.0.0.1:" in first
        url = process.stdout.readline().strip().split("=", 1)[1]
        cloudinary.reset_config()
        cloudinary.config(cloudinary_url=url)
        import os

        os.environ["CLOUDINARY_URL"] = url
        cloudinary.reset_config()
        del os.environ["CLOUDINARY_URL"]
        assert cloudinary.config().upload_prefix.startswith("http://127.0.0.1:")
        assert len(cloudinary.api.resources()["resources"]) == 5
    finally:
        process.terminate()
        process.wait(timeout=10)
        cloudinary.reset_config()
