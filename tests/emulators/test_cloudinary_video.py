"""Video delivery of the emulator: real MP4s in the demo cloud, derivatives rendered by ffmpeg.

URLs come from the SDK (``cloudinary_url``); the delivered files are checked with
imageio-ffmpeg's own reader and Pillow, not with the emulator's code.
"""

from __future__ import annotations

import io
import urllib.error
import urllib.request

import cloudinary
import cloudinary.uploader
import cloudinary.utils
import imageio_ffmpeg
import pytest
from PIL import Image

from emulators.cloudinary import seed_art, video

TEASER = "kestrel/trail/video/winter-2026-teaser"


def fetch(url: str):
    """``(status, headers, body)`` of a GET, errors included."""
    try:
        with urllib.request.urlopen(url) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def video_url(public_id: str, transformation: str = "", fmt: str = "mp4") -> str:
    url, _ = cloudinary.utils.cloudinary_url(public_id, resource_type="video", format=fmt,
                                             raw_transformation=transformation or None)
    return url


def probe(body: bytes, suffix: str, tmp_path) -> dict:
    """Size, duration and codec as ffmpeg reads the file."""
    path = tmp_path / f"clip.{suffix}"
    path.write_bytes(body)
    frames = imageio_ffmpeg.read_frames(str(path))
    try:
        meta = next(frames)
    finally:
        frames.close()
    return {"size": tuple(meta["size"]), "duration": meta["duration"], "codec": meta["codec"]}


@pytest.fixture
def clip(emulator):
    """A 6-second 960x540 MP4 uploaded through the SDK (the demo's teaser)."""
    data, ext = seed_art.teaser("Upload test", "moss")
    assert ext == "mp4"
    return cloudinary.uploader.upload(data, public_id="clips/teaser", resource_type="video")


def test_the_demo_clouds_videos_are_real_mp4s(demo, tmp_path):
    teasers = [r for r in demo.store.all() if r.resource_type == "video"]
    assert teasers and {r.format for r in teasers} == {"mp4"}
    status, headers, body = fetch(video_url(TEASER))
    assert (status, headers["Content-Type"]) == (200, "video/mp4")
    assert probe(body, "mp4", tmp_path) == {"size": (960, 540), "duration": 6.0,
                                            "codec": "h264"}


def test_an_uploaded_mp4_reports_its_duration_and_size(clip):
    assert (clip["format"], clip["width"], clip["height"]) == ("mp4", 960, 540)
    assert clip["duration"] == 6.0


def test_a_trimmed_resized_webm_is_three_seconds_and_640_wide(demo, tmp_path):
    # when
    status, headers, body = fetch(video_url(TEASER, "so_2,du_3,w_640/f_webm", "mp4"))
    # then
    assert (status, headers["Content-Type"]) == (200, "video/webm")
    assert body[:4] == b"\x1a\x45\xdf\xa3"  # EBML: a Matroska/WebM file
    assert probe(body, "webm", tmp_path) == {"size": (640, 360), "duration": 3.0,
                                             "codec": "vp9"}


def test_the_sdks_transformation_options_give_the_same_trim(demo, tmp_path):
    url, _ = cloudinary.utils.cloudinary_url(
        TEASER, resource_type="video", format="webm",
        transformation=[{"start_offset": 2, "duration": 3, "width": 640}])
    status, _, body = fetch(url)
    assert status == 200
    assert probe(body, "webm", tmp_path)["duration"] == 3.0


def test_end_offsets_and_percentages_trim_too(clip, tmp_path):
    _, _, until_four = fetch(video_url(clip["public_id"], "so_1,eo_4"))
    _, _, second_half = fetch(video_url(clip["public_id"], "so_50p"))
    assert probe(until_four, "mp4", tmp_path)["duration"] == 3.0
    assert probe(second_half, "mp4", tmp_path)["duration"] == 3.0


def test_fill_crops_the_video_to_the_box(clip, tmp_path):
    status, _, body = fetch(video_url(clip["public_id"], "c_fill,w_300,h_300"))
    assert status == 200
    assert probe(body, "mp4", tmp_path)["size"] == (300, 300)


def test_a_jpg_extension_delivers_the_poster_frame(clip):
    # when
    status, headers, body = fetch(video_url(clip["public_id"], "c_limit,w_320", "jpg"))
    # then
    assert (status, headers["Content-Type"]) == (200, "image/jpeg")
    with Image.open(io.BytesIO(body)) as poster:
        assert (poster.format, poster.size) == ("JPEG", (320, 180))


def test_the_default_poster_is_the_middle_frame(clip):
    _, _, middle = fetch(video_url(clip["public_id"], "", "png"))
    _, _, at_three = fetch(video_url(clip["public_id"], "so_3", "png"))
    _, _, at_start = fetch(video_url(clip["public_id"], "so_0", "png"))
    assert middle == at_three and middle != at_start


def test_bad_video_parameters_are_a_400_with_the_reason(clip):
    for transformation in ("so_abc", "so_7", "w_0", "f_doc"):
        status, headers, _ = fetch(video_url(clip["public_id"], transformation))
        assert status == 400, transformation
        assert headers["X-Cld-Error"].startswith("Invalid transformation"), transformation


def test_the_original_is_delivered_untouched(clip):
    status, _, body = fetch(video_url(clip["public_id"]))
    assert status == 200
    assert body == seed_art.teaser("Upload test", "moss")[0]


# -- without ffmpeg --------------------------------------------------------------------------
@pytest.fixture
def no_ffmpeg(monkeypatch):
    monkeypatch.setattr(video, "ffmpeg_exe", lambda: None)
    video._cache.clear()
    seed_art.teaser.cache_clear()
    yield
    seed_art.teaser.cache_clear()


def test_without_ffmpeg_video_transformations_are_refused_with_501(clip, no_ffmpeg):
    status, headers, _ = fetch(video_url(clip["public_id"], "so_1,du_2,w_320"))
    assert status == 501
    assert "ffmpeg" in headers["X-Cld-Error"]


def test_without_ffmpeg_originals_and_images_are_still_delivered(clip, no_ffmpeg):
    assert fetch(video_url(clip["public_id"]))[0] == 200
    out = io.BytesIO()
    Image.new("RGB", (200, 100), (0, 80, 160)).save(out, "PNG")
    cloudinary.uploader.upload(out.getvalue(), public_id="still")
    url, _ = cloudinary.utils.cloudinary_url("still", width=50, crop="scale", format="webp")
    status, _, body = fetch(url)
    assert status == 200
    with Image.open(io.BytesIO(body)) as image:
        assert (image.format, image.size) == ("WEBP", (50, 25))


def test_without_ffmpeg_the_demo_teaser_falls_back_to_an_animated_gif(no_ffmpeg):
    data, ext = seed_art.teaser("Fallback", "slate")
    assert ext == "gif"
    with Image.open(io.BytesIO(data)) as gif:
        assert gif.format == "GIF" and gif.n_frames > 1


def test_an_uploaded_webm_derivative_is_read_back_as_a_video(clip, tmp_path):
    _, _, webm = fetch(video_url(clip["public_id"], "du_2,w_320", "webm"))
    # when
    uploaded = cloudinary.uploader.upload(webm, public_id="clips/short", resource_type="video")
    # then
    assert (uploaded["format"], uploaded["width"], uploaded["height"]) == ("webm", 320, 180)
    assert uploaded["duration"] == 2.0
    status, headers, _ = fetch(video_url("clips/short", "", "webm"))
    assert (status, headers["Content-Type"]) == (200, "video/webm")


def test_a_text_file_uploaded_as_auto_stays_raw(emulator):
    answer = cloudinary.uploader.upload(b"just some notes\n" * 20, public_id="notes.txt",
                                        resource_type="auto")
    assert answer["resource_type"] == "raw"


def test_a_gif_uploaded_as_video_is_delivered_as_stored_and_converts_to_mp4(emulator, tmp_path):
    gif = seed_art.animation((320, 180), "Legacy", "ember")
    cloudinary.uploader.upload(gif, public_id="legacy/teaser", resource_type="video")
    # when / then: the original, as stored
    status, headers, body = fetch(video_url("legacy/teaser", "", "gif"))
    assert (status, headers["Content-Type"], body) == (200, "image/gif", gif)
    # when / then: a real MP4 of it
    status, _, mp4 = fetch(video_url("legacy/teaser"))
    assert status == 200
    assert probe(mp4, "mp4", tmp_path)["codec"] == "h264"
    # and a GIF with a transformation is not something the emulator writes
    assert fetch(video_url("legacy/teaser", "w_100", "gif"))[0] == 400
