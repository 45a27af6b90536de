"""Delivery URLs are memoised (issue #17) without ever handing out a stale or foreign link."""

import pytest

from assets.cloudinary import config, delivery

COPY = delivery.Target("partner/abc123", "image", "authenticated", 17, "jpg")
STEP = [{"crop": "limit", "width": 360, "height": 270, "quality": "auto"}]


@pytest.fixture(autouse=True)
def _account():
    config.configure("cloudinary://111:secret-one@cloud-one")
    delivery._signed_url.cache_clear()
    yield
    config.configure()
    delivery._signed_url.cache_clear()


def uncached(target=COPY, step=STEP, fmt=None, expires_at=None, key=""):
    return delivery._signed_url.__wrapped__(
        target, tuple(tuple(sorted(s.items())) for s in step), fmt, expires_at, key,
        delivery._secure(), _account_tuple())


def _account_tuple():
    import cloudinary

    c = cloudinary.config()
    return (c.cloud_name, c.api_secret, c.secure_distribution, c.cname, c.private_cdn,
            c.upload_prefix)


def test_a_remembered_url_is_the_one_the_sdk_builds():
    first = delivery._url(COPY, STEP, None)
    assert first == delivery._url(COPY, STEP, None) == uncached()
    assert delivery._signed_url.cache_info().hits == 1


def test_another_copy_step_or_format_is_another_url():
    base = delivery._url(COPY, STEP, None)
    renamed = delivery.Target("partner/abc123-r2", "image", "authenticated", 18, "jpg")
    assert delivery._url(renamed, STEP, None) != base  # a new version or a revocation
    assert delivery._url(COPY, [{**STEP[0], "width": 480}], None) != base
    assert delivery._url(COPY, STEP, "jpg") != base


def test_another_account_signs_anew():
    before = delivery._url(COPY, STEP, None)
    config.configure("cloudinary://111:secret-two@cloud-one")
    after = delivery._url(COPY, STEP, None)
    assert after != before
    assert after == uncached()


def test_tokens_follow_their_expiry_bucket(settings, monkeypatch):
    settings.CLOUDINARY_AUTH_TOKEN_KEY = "ab" * 16
    monkeypatch.setattr(delivery, "_page_expiry", lambda: 1_800_000_000)
    first = delivery._url(COPY, STEP, None)
    assert "exp=1800000000" in first
    monkeypatch.setattr(delivery, "_page_expiry", lambda: 1_800_000_300)
    assert "exp=1800000300" in delivery._url(COPY, STEP, None)


def test_a_download_with_its_own_expiry_is_not_remembered(settings):
    settings.CLOUDINARY_AUTH_TOKEN_KEY = "ab" * 16
    delivery._url(COPY, STEP, None, expires_at=1_800_000_123)
    assert delivery._signed_url.cache_info().currsize == 0


def test_a_step_that_cannot_be_hashed_is_built_each_time():
    step = [{"transformation": [{"width": 10}], "crop": "limit"}]
    assert delivery._url(COPY, step, None).startswith("http")
    assert delivery._signed_url.cache_info().currsize == 0
