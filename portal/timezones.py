"""Which time zone a user's pages show times in: their own choice (User.time_zone), else the
zone of their community's market (Germany → Europe/Berlin, Japan → Asia/Tokyo), else UTC.

It lives in `portal/` because it joins accounts (the setting) and communities (the market).
Countries map to zones with the system's tz database (`zone.tab`: the first, most populous
zone of a country), with a few built in for a machine without it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings

ZONE_TAB = Path("/usr/share/zoneinfo/zone.tab")
BUILT_IN = {"DE": "Europe/Berlin", "AT": "Europe/Vienna", "CH": "Europe/Zurich",
            "FR": "Europe/Paris", "GB": "Europe/London", "IT": "Europe/Rome",
            "ES": "Europe/Madrid", "NL": "Europe/Amsterdam", "JP": "Asia/Tokyo",
            "US": "America/New_York", "CN": "Asia/Shanghai", "KR": "Asia/Seoul",
            "AU": "Australia/Sydney", "CA": "America/Toronto"}


@cache
def _country_zones() -> dict[str, str]:
    zones = dict(BUILT_IN)
    try:
        lines = ZONE_TAB.read_text(encoding="utf-8").splitlines()
    except OSError:
        return zones
    seen: set[str] = set()
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        country, _coords, zone, *_ = line.split("\t")
        if country not in seen:  # the first line of a country is its main zone
            seen.add(country)
            zones[country] = zone
    return zones


@cache
def _all_zones() -> frozenset[str]:
    return frozenset(available_timezones())  # it walks the tz folders: once per process


def is_time_zone(name: str) -> bool:
    return bool(name) and name in _all_zones()


def zone_for_market(market) -> str | None:
    """A market's zone from its country (or its language's region, or a two-letter slug)."""
    country = (market.country or "").upper()
    if not country and "-" in (market.language or ""):
        country = market.language.rsplit("-", 1)[1].upper()
    if not country and len(market.slug) == 2:
        country = market.slug.upper()
    return _country_zones().get(country)


def community_time_zone(user) -> str | None:
    """The zone of the first market (with a known zone) of the user's first community."""
    from assets.models import Market
    from communities.models import Membership

    communities = (Membership.objects.current().filter(user=user).order_by("pk")
                   .values("community_id"))
    markets = Market.objects.filter(communities__in=communities).order_by("pk")[:10]
    return next((zone for zone in map(zone_for_market, markets) if zone), None)


def user_time_zone(user) -> tuple[str, str]:
    """(zone name, where it comes from: "chosen", "community" or "default")."""
    from accounts.roles import is_brand_staff

    chosen = getattr(user, "time_zone", "")
    if chosen and is_time_zone(chosen):
        return chosen, "chosen"
    if is_brand_staff(user):  # staff have no community: their own choice, or the default
        return settings.TIME_ZONE, "default"
    zone = community_time_zone(user)
    return (zone, "community") if zone else (settings.TIME_ZONE, "default")


def user_zones(user_ids) -> dict[int, str]:
    """`user_time_zone` of many users at once, by id (for digests and reminders, which run
    over thousands of users): their choice, else their communities' market, else the
    default. Three queries however many users."""
    from django.contrib.auth import get_user_model

    from communities.models import Community, Membership

    ids = set(user_ids)
    zones = {pk: tz for pk, tz in get_user_model().objects.filter(pk__in=ids)
             .values_list("pk", "time_zone") if is_time_zone(tz)}
    communities: dict[int, set[int]] = {}
    for user_id, community_id in (Membership.objects.current()
                                  .filter(user_id__in=ids - zones.keys())
                                  .values_list("user_id", "community_id")):
        communities.setdefault(user_id, set()).add(community_id)
    wanted = set().union(*communities.values()) if communities else set()
    markets: dict[int, list[tuple[int, str]]] = {}
    for link in (Community.markets.through.objects.filter(community_id__in=wanted)
                 .select_related("market")):
        zone = zone_for_market(link.market)
        if zone:
            markets.setdefault(link.community_id, []).append((link.market_id, zone))
    for user_id, member_of in communities.items():
        found = sorted(pair for community in member_of for pair in markets.get(community, []))
        if found:  # the lowest market first, as community_time_zone picks it
            zones[user_id] = found[0][1]
    return {pk: zones.get(pk, settings.TIME_ZONE) for pk in ids}


def zone_info(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
