"""Admin, Search and moderation calls the catalog mirror needs, with the portal's own errors.

Every call goes through `call()`, which:
- reads the `X-FeatureRateLimit-*` headers the SDK exposes on its Response and slows down
  before the hourly budget is spent (`RateBudget.pace`);
- on 420/429 waits until the reset time (bounded by CLOUDINARY_RATE_LIMIT_MAX_WAIT) and
  tries again;
- retries 5xx and connection errors with exponential backoff;
- turns SDK exceptions into `CloudinaryError` subclasses, so no caller imports the SDK.
"""

from __future__ import annotations

import calendar
import logging
import re
import threading
import time
from dataclasses import dataclass, field

import cloudinary
import cloudinary.api
import cloudinary.exceptions
import cloudinary.utils
from cloudinary.search import Search
from django.conf import settings

from assets.cloudinary.config import ensure_configured

log = logging.getLogger(__name__)

PAGE_SIZE = 500
BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)
# Below this many calls left in the window we spread the rest over the time to reset.
LOW_WATER = 10


class CloudinaryError(Exception):
    """Any failure talking to Cloudinary."""

    transient = False


class CloudinaryNotFound(CloudinaryError):
    """The resource does not exist (any more)."""


class CloudinaryRejected(CloudinaryError):
    """Cloudinary refused the request (400/401/403/409): retrying will not help."""


class CloudinaryUnavailable(CloudinaryError):
    """5xx, a dropped connection or a garbled answer: worth retrying later."""

    transient = True


class CloudinaryRateLimited(CloudinaryError):
    """The Admin/Search budget is spent until `reset_at` (epoch seconds)."""

    transient = True

    def __init__(self, message: str, reset_at: float | None = None):
        super().__init__(message)
        self.reset_at = reset_at


_STATUS = re.compile(r"Error (\d{3})\b")
_TRY_AGAIN = re.compile(r"Try again on (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) UTC")


def translate(exc: Exception) -> CloudinaryError:
    """The portal's exception for an SDK exception."""
    message = str(exc)
    if isinstance(exc, cloudinary.exceptions.NotFound):
        return CloudinaryNotFound(message)
    if isinstance(exc, cloudinary.exceptions.RateLimited):
        return CloudinaryRateLimited(message, _reset_from_message(message))
    if isinstance(exc, (cloudinary.exceptions.BadRequest, cloudinary.exceptions.NotAllowed,
                        cloudinary.exceptions.AlreadyExists,
                        cloudinary.exceptions.AuthorizationRequired)):
        return CloudinaryRejected(message)
    # GeneralError covers 500/503, sockets and unparsable bodies; the SDK raises a bare
    # Exception("Error 502 - ...") for statuses it has no class for.
    match = _STATUS.search(message)
    if match and 400 <= int(match.group(1)) < 500 and int(match.group(1)) not in (420, 429):
        return CloudinaryRejected(message)
    return CloudinaryUnavailable(message)


def _reset_from_message(message: str) -> float | None:
    match = _TRY_AGAIN.search(message)
    if not match:
        return None
    return calendar.timegm(time.strptime(match.group(1), "%Y-%m-%d %H:%M:%S"))


@dataclass
class RateBudget:
    """What the last answer said about the Admin/Search budget, and the calls we made."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None
    calls: int = 0
    waited: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def observe(self, response) -> None:
        """Remember the rate-limit headers of an SDK Response."""
        with self._lock:
            self.limit = getattr(response, "rate_limit_allowed", None) or self.limit
            remaining = getattr(response, "rate_limit_remaining", None)
            if remaining is not None:
                self.remaining = remaining
            reset = getattr(response, "rate_limit_reset_at", None)
            if reset:
                self.reset_at = float(calendar.timegm(reset))

    def pace(self) -> float:
        """Seconds to wait before the next call so the budget lasts until its reset."""
        if self.remaining is None or self.reset_at is None or self.remaining >= LOW_WATER:
            return 0.0
        left = self.reset_at - time.time()
        if left <= 0:
            return 0.0
        return min(left / (self.remaining + 1), max_wait())


budget = RateBudget()
sleep = time.sleep  # the one place we wait; tests and the bench may count it


def max_wait() -> float:
    return float(getattr(settings, "CLOUDINARY_RATE_LIMIT_MAX_WAIT", 3600))


def call(fn, *args, attempts: int = len(BACKOFF) + 1, **kwargs):
    """Run one SDK call with pacing, rate-limit waits and retries; returns its Response."""
    ensure_configured()
    for attempt in range(attempts):
        delay = budget.pace()
        if delay:
            _wait(delay)
        budget.calls += 1
        try:
            response = fn(*args, **kwargs)
        except Exception as exc:  # the SDK raises bare Exception for some statuses
            error = translate(exc)
            if not error.transient or attempt == attempts - 1:
                raise error from exc
            _wait_after(error, attempt)
            continue
        budget.observe(response)
        return response
    raise AssertionError("unreachable")


def _wait_after(error: CloudinaryError, attempt: int) -> None:
    if isinstance(error, CloudinaryRateLimited):
        reset_at = error.reset_at or budget.reset_at or _next_hour()
        delay = max(reset_at - time.time(), 0.0) + 0.5
        if delay > max_wait():
            raise error
        log.warning("Cloudinary rate limit reached; waiting %.0fs for the reset", delay)
        budget.remaining = None
        _wait(delay)
        return
    log.warning("Cloudinary call failed (%s); retry %d", error, attempt + 1)
    _wait(BACKOFF[min(attempt, len(BACKOFF) - 1)])


def _wait(seconds: float) -> None:
    budget.waited += seconds
    sleep(seconds)


def _next_hour() -> float:
    return (time.time() // 3600 + 1) * 3600


@dataclass
class SearchPage:
    """One page of Search API results."""

    resources: list[dict]
    next_cursor: str | None
    total_count: int | None


def search_page(*, expression: str = "", sort_by: tuple[str, str] = ("created_at", "asc"),
                cursor: str | None = None, max_results: int = PAGE_SIZE) -> SearchPage:
    """One page of the Search API with tags, context and metadata."""
    search = Search().max_results(max_results).sort_by(*sort_by)
    if expression:
        search = search.expression(expression)
    for name in ("tags", "context", "metadata"):
        search = search.with_field(name)
    if cursor:
        search = search.next_cursor(cursor)
    answer = call(search.execute)
    return SearchPage(list(answer.get("resources") or []), answer.get("next_cursor"),
                      answer.get("total_count"))


def resource_by_asset_id(asset_id: str) -> dict | None:
    """An asset's current details (Admin API shape), or None when it no longer exists."""
    try:
        return dict(call(cloudinary.api.resource_by_asset_id, asset_id, tags=True,
                         context=True, metadata=True, moderations=True))
    except CloudinaryNotFound:
        return None


def update_moderation(*, public_id: str, resource_type: str, delivery_type: str,
                      status: str) -> dict:
    """Set an asset's moderation status in Cloudinary (approved or rejected)."""
    return dict(call(cloudinary.api.update, public_id, resource_type=resource_type,
                     type=delivery_type, moderation_status=status))


def copy_to_delivery(*, source_url: str, public_id: str, resource_type: str,
                     custom_coordinates: list[int] | None = None) -> dict:
    """Upload the bytes at `source_url` as the portal's `authenticated` delivery copy.

    Upload API (not rate-limited): Cloudinary fetches the signed source link itself, so
    no media passes through the portal. `invalidate` purges any cached older copy; a focal
    point (`custom_coordinates`, "x,y,w,h") is stored with the copy in the same call.
    """
    import cloudinary.uploader

    options = {}
    if custom_coordinates:
        options["custom_coordinates"] = custom_coordinates
    return dict(call(cloudinary.uploader.upload, source_url, public_id=public_id,
                     resource_type=resource_type, type="authenticated", overwrite=True,
                     invalidate=True, unique_filename=False, **options))


def focal_point(*, public_id: str, delivery_type: str) -> list[int] | None:
    """An image's first custom-coordinates box ``[x, y, w, h]`` (Admin API, one call), or
    None when it has none or is gone."""
    import cloudinary.api

    try:
        answer = call(cloudinary.api.resource, public_id, type=delivery_type,
                      resource_type="image", coordinates=True)
    except CloudinaryNotFound:
        return None
    boxes = (answer.get("coordinates") or {}).get("custom") or []
    return [int(n) for n in boxes[0]] if boxes else None


def upload_new_version(*, source_url: str, public_id: str, resource_type: str,
                       delivery_type: str) -> dict:
    """Overwrite a master with the bytes at `source_url` (the demo's "brand uploads a new
    version"; the portal itself never changes masters)."""
    import cloudinary.uploader

    return dict(call(cloudinary.uploader.upload, source_url, public_id=public_id,
                     resource_type=resource_type, type=delivery_type, overwrite=True,
                     invalidate=True))


def rename_delivery(*, from_public_id: str, to_public_id: str, resource_type: str) -> dict:
    """Move a delivery copy to a new public id: every link to the old id stops working."""
    import cloudinary.uploader

    return dict(call(cloudinary.uploader.rename, from_public_id, to_public_id,
                     resource_type=resource_type, type="authenticated",
                     to_type="authenticated", invalidate=True, overwrite=False))


def delete_delivery(*, public_id: str, resource_type: str) -> dict:
    """Destroy one of the portal's `authenticated` copies, purging the CDN (Upload API, not
    rate-limited); a copy already gone answers ``{"result": "not found"}``."""
    import cloudinary.uploader

    return dict(call(cloudinary.uploader.destroy, public_id, resource_type=resource_type,
                     type="authenticated", invalidate=True))


def delivery_exists(*, public_id: str, resource_type: str) -> bool:
    """Whether a delivery copy exists under `public_id` (Admin API, one call)."""
    try:
        call(cloudinary.api.resource, public_id, resource_type=resource_type,
             type="authenticated", attempts=2)
    except CloudinaryNotFound:
        return False
    return True


def restrict_master(*, public_id: str, resource_type: str, delivery_type: str) -> dict:
    """Require a token to deliver a master (access_control) through the Upload API's explicit."""
    import cloudinary.uploader

    return dict(call(cloudinary.uploader.explicit, public_id, resource_type=resource_type,
                     type=delivery_type, access_control=[{"access_type": "token"}],
                     invalidate=True))


def verify_notification(*, body: str, timestamp: str, signature: str, valid_for: int) -> bool:
    """Whether a webhook's signature and timestamp are genuine (the SDK's own check)."""
    ensure_configured()
    try:
        return cloudinary.utils.verify_notification_signature(
            body, timestamp, signature, valid_for=valid_for)
    except (TypeError, ValueError):
        return False


def ping(*, timeout: float = 3) -> dict:
    """A cheap authenticated call, tried once: health checks must answer fast."""
    return dict(call(cloudinary.api.ping, attempts=1, timeout=timeout))


def parse_time(value: str | None):
    """Cloudinary's ISO time (`2026-11-26T10:00:00Z`) as an aware datetime, or None."""
    from django.utils.dateparse import parse_datetime

    if not value:
        return None
    try:
        return parse_datetime(str(value))
    except ValueError:
        return None


def derivative_facts(*, public_id: str, resource_type: str, transformation: str,
                     fmt: str = "") -> dict:
    """Width, height, bytes and format of a derivative as Cloudinary generates it.

    `explicit` with `eager` (the Upload API, not rate-limited) creates the derivative of the
    protected copy if needed and answers with its real facts; nothing is computed here.
    """
    import cloudinary.uploader

    eager = transformation + (f"/{fmt}" if fmt else "")
    answer = call(cloudinary.uploader.explicit, public_id, type="authenticated",
                  resource_type=resource_type, eager=[eager])
    entries = answer.get("eager") or []
    if not entries:
        raise CloudinaryRejected(f"No derivative for {eager} of {public_id}")
    entry = entries[0]
    return {"width": entry.get("width"), "height": entry.get("height"),
            "bytes": entry.get("bytes"), "format": entry.get("format") or fmt}
