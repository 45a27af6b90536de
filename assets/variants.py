"""Masters and their locale variants, as a partner gets them (issue #14).

`variant_for(user, master)` picks the variant for the partner's market and language among
the assets of the master's family the user may see (`Asset.objects.visible_to`: a variant is
visible by its own approval and publications), falling back to the master; it says which one
it chose and why. `family_for(user, asset)` lists every member the user may see.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from assets.models import Asset


@dataclass
class VariantChoice:
    """The asset chosen for a user, its master and why (``language``, ``market``,
    ``master`` or ``only``: the one visible member of the family)."""

    asset: Asset
    master: Asset
    reason: str

    @property
    def is_master(self) -> bool:
        return self.asset.pk == self.master.pk

    @property
    def label(self) -> str:
        """What the page says: ``"ja-JP version (your market's language)"``."""
        locale = self.asset.locale or "original"
        if self.is_master:
            return f"{locale} master"
        why = {"language": "your language", "market": "your market"}.get(self.reason, "")
        return f"{locale} version" + (f" ({why})" if why else "")


def master_of(asset: Asset) -> Asset:
    """The master of `asset`'s family (itself when it is one)."""
    return asset.master if asset.master_id else asset


def family_for(user, asset: Asset) -> list[Asset]:
    """The master and its locale variants `user` may see, master first, then by locale."""
    master = master_of(asset)
    members = list(Asset.objects.visible_to(user)
                   .filter(Q(pk=master.pk) | Q(master_id=master.pk))
                   .select_related("approved_version").prefetch_related("markets"))
    return sorted(members, key=lambda a: (a.pk != master.pk, a.locale.lower(), a.pk))


def _language(tag: str) -> str:
    return tag.split("-", 1)[0].lower()


def choose(members: list[Asset], master: Asset, languages: list[str], market_ids: set[int]
           ) -> VariantChoice | None:
    """The member for these preferences (no queries when `markets` are prefetched)."""
    if not members:
        return None
    for tag in languages:
        for member in members:
            if member.locale and member.locale.lower() == tag.lower():
                return VariantChoice(member, master, "language")
        for member in members:
            if member.locale and _language(member.locale) == _language(tag):
                return VariantChoice(member, master, "language")
    for member in members:
        if member.pk != master.pk and market_ids & {m.pk for m in member.markets.all()}:
            return VariantChoice(member, master, "market")
    for member in members:
        if member.pk == master.pk:
            return VariantChoice(member, master, "master")
    return VariantChoice(members[0], master, "only")


def variant_for(user, asset: Asset) -> VariantChoice | None:
    """The variant of `asset`'s master for `user`'s market and language, else the master;
    None when the user may see no member of the family."""
    from communities.selectors import locale_preferences

    master = master_of(asset)
    prefs = locale_preferences(user)
    return choose(family_for(user, master), master, prefs.languages, prefs.market_ids)
