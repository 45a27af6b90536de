"""Judging one file against a slot's rules: each unmet rule says why, in the team's words.

Facts are those Cloudinary reported for the version (width, height, format, bytes, duration,
pages) or, when the slot names a preset, for that preset's derivative (DerivativeFacts,
read with `explicit`/eager); "on white" is judged on Cloudinary's colour analysis of the
approved version (ColourFacts, `explicit` with `colors=true`). Nothing here queries the
database.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMAT_ALIASES = {"jpeg": "jpg", "jpe": "jpg", "tif": "tiff"}
WHITE_FROM = 0xF0  # a colour is white when each of its channels is at least this


def white_share(colors) -> float:
    """The share (percent) of a picture that is white, from Cloudinary's `colors`
    ([["#RRGGBB", percent], ...]); entries that are not a hex colour and a number count
    as not white."""
    total = 0.0
    for entry in colors or []:
        try:
            hex_, share = entry[0], float(entry[1])
            channels = [int(hex_[i:i + 2], 16) for i in (1, 3, 5)]
        except (TypeError, ValueError, IndexError, KeyError):
            continue
        if len(hex_) == 7 and hex_[0] == "#" and min(channels) >= WHITE_FROM:
            total += share
    return round(min(total, 100.0), 1)


@dataclass(frozen=True)
class Facts:
    resource_type: str
    format: str
    width: int | None
    height: int | None
    bytes: int | None
    duration: float | None = None
    pages: int | None = None
    white_percent: float | None = None  # Cloudinary's colour analysis (ColourFacts)


def effective_rules(slot, market_rule=None) -> dict:
    """The slot's rules with the market's non-empty overrides on top."""
    rules = {name: getattr(slot, name) for name in slot.RULE_FIELDS}
    if market_rule is not None:
        for name in slot.RULE_FIELDS:
            value = getattr(market_rule, name)
            if value not in (None, "", []):
                rules[name] = value
    return rules


def _fmt(name: str) -> str:
    name = (name or "").lower()
    return FORMAT_ALIASES.get(name, name)


def _size(facts: Facts) -> str:
    return f"{facts.width or '?'}×{facts.height or '?'}"


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def unmet(rules: dict, facts: Facts) -> list[str]:
    """Why `facts` do not meet `rules` (empty: they do)."""
    reasons: list[str] = []
    if rules["resource_type"] and facts.resource_type != rules["resource_type"]:
        reasons.append(f"a {facts.resource_type}, needs a {rules['resource_type']}")
    formats = [_fmt(f) for f in rules["formats"] or []]
    if formats and _fmt(facts.format) not in formats:
        reasons.append(f"{facts.format.upper() or 'unknown format'}, needs "
                       + " or ".join(f.upper() for f in formats))
    reasons += _dimensions(rules, facts)
    if rules["max_bytes"] and (facts.bytes or 0) > rules["max_bytes"]:
        reasons.append(f"{_mb(facts.bytes)}, needs ≤ {_mb(rules['max_bytes'])}")
    reasons += _range(facts.duration, rules["min_duration"], rules["max_duration"], "s",
                      "duration")
    reasons += _range(facts.pages, rules["min_pages"], rules["max_pages"], " pages", "pages")
    white = rules.get("min_white_percent")
    if white:  # 0 is no rule, as for the dimensions
        if facts.white_percent is None:
            reasons.append(f"no colour analysis of a {facts.resource_type}, needs an image "
                           "on white")
        elif facts.white_percent < white:
            reasons.append(f"{facts.white_percent:g}% white, needs ≥ {white:g}% (on white)")
    return reasons


def _dimensions(rules: dict, facts: Facts) -> list[str]:
    reasons = []
    width, height = facts.width or 0, facts.height or 0
    if rules["min_width"] and width < rules["min_width"]:
        reasons.append(f"{_size(facts)}, needs ≥ {rules['min_width']} px wide")
    if rules["min_height"] and height < rules["min_height"]:
        reasons.append(f"{_size(facts)}, needs ≥ {rules['min_height']} px high")
    exact = (rules["exact_width"], rules["exact_height"])
    if any(exact) and (exact[0] not in (None, width) or exact[1] not in (None, height)):
        reasons.append(f"{_size(facts)}, needs {exact[0] or 'any'}×{exact[1] or 'any'}")
    ratio = rules["aspect_ratio"]
    if ratio and width and height:
        a, _, b = ratio.partition(":")
        want = float(a) / float(b or 1)
        if abs(width / height - want) > 0.01:
            reasons.append(f"{_size(facts)}, needs {ratio}"
                           + (" (square)" if want == 1 else ""))
    elif ratio:
        reasons.append(f"no dimensions, needs {ratio}")
    return reasons


def _range(value, low, high, unit: str, what: str) -> list[str]:
    if low is None and high is None:
        return []
    if value is None:
        return [f"no {what} known"]
    shown = f"{value:g}{unit}"
    if low is not None and value < low:
        return [f"{shown}, needs ≥ {low:g}{unit}"]
    if high is not None and value > high:
        return [f"{shown}, needs ≤ {high:g}{unit}"]
    return []


def version_facts(version, resource_type: str, white_percent: float | None = None) -> Facts:
    return Facts(resource_type=resource_type, format=version.format or "",
                 width=version.width, height=version.height, bytes=version.bytes,
                 duration=version.duration, pages=version.pages, white_percent=white_percent)


def derivative_facts(derivative, resource_type: str, version,
                     white_percent: float | None = None) -> Facts:
    return Facts(resource_type=resource_type, format=derivative.format or "",
                 width=derivative.width, height=derivative.height, bytes=derivative.bytes,
                 duration=version.duration, pages=version.pages, white_percent=white_percent)
