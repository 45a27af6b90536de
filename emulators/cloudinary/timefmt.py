"""Time formatting and parsing in the shapes Cloudinary uses."""

from __future__ import annotations

import calendar
import email.utils
import re
import time

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def iso(ts: float | None) -> str | None:
    """Epoch seconds → ``2026-11-26T10:00:00Z`` (None stays None)."""
    if ts is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def rfc1123(ts: float) -> str:
    """Epoch seconds → ``Thu, 26 Nov 2026 11:00:00 GMT`` (HTTP date)."""
    return email.utils.formatdate(ts, usegmt=True)


def parse_iso(text: str) -> float | None:
    """ISO-8601 date or date-time (``Z`` or ±hh:mm offset, or none = UTC) → epoch seconds."""
    match = _ISO.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        ts = calendar.timegm((int(year), int(month), int(day), int(hour or 0),
                              int(minute or 0), int(second or 0), 0, 0, 0))
        time.gmtime(ts)
    except (ValueError, OverflowError):
        return None
    if int(month) > 12 or int(day) > 31:
        return None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        ts -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return float(ts)
