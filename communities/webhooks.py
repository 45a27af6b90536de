"""POST /hooks/tradinggrid/: verify, store once, answer at once, apply in a task."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from communities import tradinggrid
from communities.sync import store_event

logger = logging.getLogger(__name__)
DEFAULT_MAX_BYTES = 262_144


def _max_bytes() -> int:
    return getattr(settings, "TRADING_GRID_WEBHOOK_MAX_BYTES", DEFAULT_MAX_BYTES)


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt
@require_POST
def tradinggrid_webhook(request: HttpRequest) -> JsonResponse:
    """Trading Grid's signed membership events. 200 once stored (or already stored)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _error(400, "invalid Content-Length")
    if declared > _max_bytes():
        return _error(413, f"body larger than {_max_bytes()} bytes")
    body = request.body
    if len(body) > _max_bytes():
        return _error(413, f"body larger than {_max_bytes()} bytes")
    try:
        event = tradinggrid.verify_webhook(body, request.headers)
    except tradinggrid.InvalidSignature as exc:
        logger.warning("Trading Grid webhook refused: %s", exc)
        return _error(401, str(exc))
    except tradinggrid.StaleWebhook as exc:
        logger.warning("Trading Grid webhook refused: %s", exc)
        return _error(401, str(exc))
    except tradinggrid.WebhookVerificationError as exc:
        return _error(400, str(exc))
    with transaction.atomic():
        row, created = store_event(event, json.loads(body))
        # A redelivery of an event still waiting (its task was lost, say, with Redis down)
        # queues it again; the task applies an event at most once.
        if created or row.state == row.State.RECEIVED:
            transaction.on_commit(lambda: _queue(row.pk))
    return JsonResponse({"status": "accepted" if created else "duplicate",
                         "event": event.id})


def _queue(pk: int) -> None:
    from communities.tasks import apply_tradinggrid_event

    apply_tradinggrid_event.delay(pk)
