"""Decoding of request parameters the way Cloudinary reads them.

Admin GET: query string with ``key[]`` lists and ``true``/``false``; Admin writes: JSON.
Upload API: multipart form, lists as repeated ``key[]``, booleans ``1``/``0``.
Context and metadata travel as pipe strings ``k=v|k2=v2`` with ``\\=`` / ``\\|`` escapes.
"""

from __future__ import annotations

import json
import re

from .errors import bad_request
from .store import Store

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def flag(value) -> bool:
    """A boolean parameter in any of the encodings the SDK uses."""
    if isinstance(value, list):
        value = value[-1] if value else None
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("true", "1", "yes")


def one(params: dict, name: str, default=None):
    """A single-valued parameter (last one wins) from a query/form/JSON dict."""
    value = params.get(name, default)
    if isinstance(value, list):
        return value[-1] if value else default
    return value


def many(params: dict, name: str) -> list[str]:
    """A list parameter sent as ``name[]`` (repeated), a JSON list, or a comma string."""
    value = params.get(f"{name}[]", params.get(name))
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part for part in str(value).split(",") if part]


def split_unescaped(text: str, sep: str) -> list[str]:
    """Split on ``sep`` not preceded by a backslash; escapes are kept for the next step."""
    parts, current, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i:i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def _unescape(text: str) -> str:
    return re.sub(r"\\([=|\\])", r"\1", text)


def parse_pipe_map(value) -> dict[str, str]:
    """``k=v|k2=v2`` (escaped) or a dict → ``{k: v}``."""
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        return {str(k): v if isinstance(v, (list, str)) else str(v) for k, v in value.items()}
    result = {}
    for pair in split_unescaped(str(value), "|"):
        if not pair:
            continue
        key_value = split_unescaped(pair, "=")
        key = _unescape(key_value[0])
        result[key] = _unescape("=".join(key_value[1:])) if len(key_value) > 1 else ""
    return result


def parse_tags(value) -> list[str]:
    """Tags as a comma string or a list → sorted unique list."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return sorted({str(t).strip() for t in items if str(t).strip()})


def coerce_metadata(store: Store, raw: dict) -> dict[str, object]:
    """Validate metadata values against the field definitions.

    Returns ``{external_id: value}``; a value of None means "clear this field".
    """
    result: dict[str, object] = {}
    for field_id, value in raw.items():
        field = store.metadata_fields.get(field_id)
        if field is None:
            raise bad_request(f"Metadata field with external id {field_id} does not exist")
        if value in ("", None, []):
            result[field_id] = None
            continue
        result[field_id] = _coerce_one(field, value)
    return result


def _coerce_one(field: dict, value):
    kind, field_id = field["type"], field["external_id"]
    if kind == "set":
        items = value
        if isinstance(value, str):
            try:
                items = json.loads(value) if value.startswith("[") else value.split(",")
            except ValueError:
                items = [value]
        items = [str(v) for v in items]
        for item in items:
            _check_choice(field, item)
        return items
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else json.dumps(value)
    value = str(value)
    if kind == "enum":
        _check_choice(field, value)
        return value
    if kind == "integer":
        try:
            return int(value)
        except ValueError:
            raise bad_request(f"Value {value} is invalid for field {field_id}") from None
    if kind == "date" and not _DATE.match(value):
        raise bad_request(f"Value {value} is invalid for field {field_id}")
    return value


def _check_choice(field: dict, value: str) -> None:
    choices = {v["external_id"] for v in field.get("datasource", {}).get("values", [])
               if v.get("state", "active") == "active"}
    if value not in choices:
        raise bad_request(f"Value {value} is invalid for field {field['external_id']}")
