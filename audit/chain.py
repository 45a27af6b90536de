"""The hash chain: an event's canonical content and its SHA-256.

hash(n) = sha256(hash(n-1) + canonical(n)), with 64 zeros before the first
event. The canonical content is every stored field except the hash, as JSON
with sorted keys and no spaces, times in UTC ISO-8601 with microseconds. A
changed, removed, inserted or reordered row breaks the chain at that point.
"""

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64

# Every column of audit.Event except `hash`; changing this list needs a new
# chain (old events would no longer verify), so it is frozen here on purpose.
HASHED_FIELDS = (
    "sequence", "occurred_at", "action",
    "actor_user_id", "actor_system", "actor_label",
    "target_type", "target_id", "target_label",
    "asset_id", "asset_version", "community_id", "community_label",
    "partner_id", "partner_label",
    "payload", "request_id", "client_ip", "prev_hash",
)


def format_time(value: datetime) -> str:
    """UTC, microseconds, 'Z': the same text whichever database returned the value."""
    if value.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: Mapping) -> bytes:
    """The bytes an event's hash covers (besides the previous hash)."""
    content = {name: fields[name] for name in HASHED_FIELDS}
    content["occurred_at"] = format_time(content["occurred_at"])
    return json.dumps(content, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False).encode()


def compute_hash(prev_hash: str, fields: Mapping) -> str:
    """sha256(prev_hash + canonical content), hex."""
    return hashlib.sha256(prev_hash.encode() + canonical(fields)).hexdigest()
