"""`POST /hooks/cloudinary/`: verify, store once, answer at once, apply in a task.

- 413 when the body is over CLOUDINARY_WEBHOOK_MAX_BYTES;
- 400 when the timestamp is missing, stale (older than CLOUDINARY_WEBHOOK_VALID_FOR) or
  from the future, or the body is not a JSON object with a notification_type;
- 401 when the signature does not match (checked with the SDK's own function);
- 200 otherwise: a delivery we already stored (same raw body) is acknowledged again and
  not applied twice.
Nothing is stored unless the delivery is genuine.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from assets.cloudinary import client
from assets.models import CloudinaryNotification

FUTURE_SKEW = 300
log = logging.getLogger(__name__)


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _body(request: HttpRequest) -> bytes | None:
    """The raw body, read no further than the limit (None when over it)."""
    limit = settings.CLOUDINARY_WEBHOOK_MAX_BYTES
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > limit:
        return None
    raw = request.read(limit + 1)
    return None if len(raw) > limit else raw


@csrf_exempt
@require_POST
def cloudinary_webhook(request: HttpRequest) -> JsonResponse:
    """Receive one Cloudinary notification."""
    raw = _body(request)
    if raw is None:
        return _error(413, "notification too large")
    timestamp = request.headers.get("X-Cld-Timestamp", "")
    signature = request.headers.get("X-Cld-Signature", "")
    if not timestamp.isdigit():
        return _error(400, "missing or malformed X-Cld-Timestamp")
    age = time.time() - int(timestamp)
    if age > settings.CLOUDINARY_WEBHOOK_VALID_FOR or age < -FUTURE_SKEW:
        return _error(400, "stale notification timestamp")
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _error(400, "body is not UTF-8")
    if not signature or not client.verify_notification(
            body=body, timestamp=timestamp, signature=signature,
            valid_for=settings.CLOUDINARY_WEBHOOK_VALID_FOR):
        return _error(401, "bad signature")
    try:
        payload = json.loads(body)
    except ValueError:
        return _error(400, "body is not JSON")
    if not isinstance(payload, dict) or not isinstance(payload.get("notification_type"), str):
        return _error(400, "not a Cloudinary notification")
    created = _store(raw, payload, int(timestamp))
    return JsonResponse({"ok": True, "duplicate": not created})


def _queue(notification_id: int) -> None:
    from assets.tasks import apply_cloudinary_notification

    try:
        apply_cloudinary_notification.delay(notification_id)
    except Exception:  # eager mode runs it here; the delivery is stored and acknowledged
        log.exception("applying Cloudinary notification %s failed", notification_id)


def _store(raw: bytes, payload: dict, timestamp: int) -> bool:
    try:
        with transaction.atomic():
            notification = CloudinaryNotification.objects.create(
                dedupe_key=hashlib.sha256(raw).hexdigest(),
                notification_type=payload["notification_type"][:50],
                payload=payload,
                signed_at=datetime.fromtimestamp(timestamp, tz=UTC),
            )
            transaction.on_commit(lambda: _queue(notification.pk))
    except IntegrityError:
        return False
    return True
