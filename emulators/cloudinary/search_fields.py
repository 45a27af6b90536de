"""Field semantics of search expressions: which field matches how, value parsing."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .timefmt import parse_iso

_WORDS = re.compile(r"[^\W_]+", re.UNICODE)
_RELATIVE = re.compile(r"^(\d+)([a-zA-Z]+)$")
_UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400}

TOKEN_FIELDS = {"tags", "filename", "display_name"}
EXACT_FIELDS = {
    "public_id", "asset_id", "folder", "asset_folder", "format", "resource_type", "type",
    "moderation_status", "moderation_kind", "status", "access_mode",
}
NO_WILDCARD = {"folder", "asset_folder", "resource_type", "type"}
NUMBER_FIELDS = {
    "bytes", "width", "height", "pages", "duration", "aspect_ratio", "pixels", "version",
    "face_count", "illustration_score", "quality_score",
}
DATE_FIELDS = {"created_at", "uploaded_at", "updated_at", "taken_at"}
BOOLEAN_FIELDS = {"transparent", "grayscale"}
LAST_UPDATED = {
    "updated_at": "updated_ts", "tags_updated_at": "tags_ts", "context_updated_at": "context_ts",
    "metadata_updated_at": "metadata_ts", "public_id_updated_at": "public_id_ts",
}


class ExpressionError(ValueError):
    """The expression is not valid; the message is shown to the API caller."""


@dataclass(frozen=True)
class Term:
    """A value as written: its text, whether it ended with ``*``, was quoted or escaped."""

    text: str
    wildcard: bool = False
    quoted: bool = False
    escaped: bool = False


def words(text) -> list[str]:
    """Lower-cased word tokens (split on whitespace and punctuation, ``_`` included)."""
    return _WORDS.findall(str(text).lower())


def _phrase_in(needle: list[str], hay: list[str], prefix_last: bool) -> bool:
    if not needle:
        return False
    size = len(needle)
    for start in range(len(hay) - size + 1):
        head_ok = hay[start:start + size - 1] == needle[:-1]
        last = hay[start + size - 1]
        if head_ok and (last.startswith(needle[-1]) if prefix_last else last == needle[-1]):
            return True
    return False


def _values(res, field: str) -> list[str]:
    """The string value(s) of a string-ish field; lists for tags and set metadata."""
    if field == "tags":
        return res.tags
    if field.startswith("context."):
        value = res.context.get(field[8:])
        return [] if value is None else [value]
    if field.startswith("metadata."):
        value = res.metadata.get(field[9:])
        if value is None:
            return []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if field == "folder":
        field = "asset_folder"
    if field == "filename":
        return [res.filename]
    if field == "status":
        return ["active"]
    value = getattr(res, field, None)
    return [] if value is None else [str(value)]


def _number(res, field: str):
    if field == "aspect_ratio":
        return res.width / res.height if res.height else None
    if field == "pixels":
        return res.width * res.height
    return getattr(res, field, None) if field in res.__slots__ else None


def _date(res, field: str):
    if field.startswith("last_updated."):
        return getattr(res, LAST_UPDATED[field[13:]])
    if field == "taken_at":
        return None
    return getattr(res, field.replace("_at", "_ts"))


def parse_number(term: Term) -> float:
    """A numeric operand, or ExpressionError."""
    try:
        return float(term.text)
    except ValueError:
        raise ExpressionError(f"Invalid numeric value {term.text!r}") from None


def parse_date(term: Term, now: float) -> tuple[float, float]:
    """A date operand → ``(start, end)`` epoch seconds it covers (a day, a second, …)."""
    relative = _RELATIVE.match(term.text)
    if relative and not term.quoted:
        amount, unit = relative.groups()
        if unit not in _UNITS:
            raise ExpressionError(
                f"Invalid relative date {term.text!r}; use Nh, Nd or Nw (or an ISO date)")
        moment = now - int(amount) * _UNITS[unit]
        return moment, moment
    ts = parse_iso(term.text)
    if ts is None:
        raise ExpressionError(f"Invalid date value {term.text!r}")
    span = 86400 if len(term.text.strip()) == 10 else 1
    return ts, ts + span


def _compare(op: str, value, low, high) -> bool:
    """Comparisons use the operand's instant; ``:``/``=`` match the whole span it covers."""
    if value is None:
        return False
    if op == ">":
        return value > low
    if op == ">=":
        return value >= low
    if op == "<":
        return value < low
    if op == "<=":
        return value <= low
    return low <= value < high if high != low else value == low


def _field_kind(field: str) -> str:
    if field in TOKEN_FIELDS or field.startswith(("context.", "metadata.")):
        return "token"
    if field in EXACT_FIELDS:
        return "exact"
    if field in NUMBER_FIELDS:
        return "number"
    if field in DATE_FIELDS:
        return "date"
    if field.startswith("last_updated.") and field[13:] in LAST_UPDATED:
        return "date"
    if field in BOOLEAN_FIELDS:
        return "boolean"
    raise ExpressionError(f"Unsupported search field {field!r}")


def compile_clause(field: str, op: str, term: Term, now: float) -> Callable[[object], bool]:
    """Predicate for ``field op term``."""
    kind = _field_kind(field)
    if term.wildcard and (kind in ("number", "date", "boolean") or op != ":"):
        raise ExpressionError(f"Wildcards are not supported for {field}{op}")
    if kind == "number":
        number = parse_number(term)
        return lambda res: _compare(op, _number(res, field), number, number)
    if kind == "date":
        low, high = parse_date(term, now)
        if op in (":", "="):
            return lambda res: _compare("=", _date(res, field), low, high)
        return lambda res: _compare(op, _date(res, field), low, high)
    if kind == "boolean":
        expected = term.text.lower() == "true"
        return lambda res: expected is False
    if op not in (":", "="):
        raise ExpressionError(f"Operator {op} is not supported for {field}")
    if op == "=":
        return lambda res: term.text in _values(res, field)
    if kind == "exact":
        return _exact_match(field, term)
    needle = words(term.text)
    return lambda res: any(_phrase_in(needle, words(v), term.wildcard)
                           for v in _values(res, field))


def _exact_match(field: str, term: Term) -> Callable[[object], bool]:
    wanted = term.text.lower()
    if term.wildcard and field not in NO_WILDCARD:
        return lambda res: any(v.lower().startswith(wanted) for v in _values(res, field))
    return lambda res: any(v.lower() == wanted for v in _values(res, field))


def compile_bare(term: Term) -> Callable[[object], bool]:
    """A bare term matches tokens of the public id, tags and context values."""
    needle = words(term.text)
    if not needle:
        raise ExpressionError(f"Empty search term {term.text!r}")

    def match(res) -> bool:
        haystacks = [res.public_id, *res.tags, *res.context.values()]
        return any(_phrase_in(needle, words(h), term.wildcard) for h in haystacks)

    return match
