"""Completeness of a master's locale variants: the locale × preset matrix (staff).

For the communities a master is published to, which locales they expect (their default
languages), which variants exist, whether each is approved and published to them, and for
each preset whether Cloudinary generated its derivative (with its real facts). The launch-kit
issue reads the same `completeness()` facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from accounts.roles import is_brand_staff
from assets.models import ApprovalState, Asset, DerivativeFact, DownloadPreset
from assets.selectors import preset_applies
from communities.models import Community
from communities.selectors import communities_publishing


@dataclass
class Cell:
    """One preset of one variant: ``ready`` (with facts), ``pending``, ``not requested``,
    ``failed`` or ``n/a`` (the preset does not apply)."""

    state: str
    label: str = ""


@dataclass
class Row:
    """One locale: its variant (None: missing), state and the communities expecting it."""

    locale: str
    variant: Asset | None
    state: str  # approved | unapproved | missing
    expected_by: list[str] = field(default_factory=list)
    published_to: list[str] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Completeness:
    master: Asset
    communities: list[Community]
    presets: list[DownloadPreset]
    rows: list[Row]

    @property
    def missing(self) -> list[Row]:
        return [r for r in self.rows if r.state == "missing"]

    @property
    def unapproved(self) -> list[Row]:
        return [r for r in self.rows if r.state == "unapproved"]


def _expected_locales(communities: list[Community]) -> dict[str, list[str]]:
    wanted: dict[str, list[str]] = {}
    for community in communities:
        tags = community.default_languages or [
            m.language for m in community.markets.all() if m.language]
        for tag in tags:
            wanted.setdefault(tag, []).append(community.name)
    return wanted


def _match(variants: list[Asset], tag: str) -> Asset | None:
    exact = [v for v in variants if v.locale.lower() == tag.lower()]
    loose = [v for v in variants if v.locale.split("-")[0].lower() == tag.split("-")[0].lower()]
    return (exact or loose or [None])[0]


def completeness(master: Asset) -> Completeness:
    """The matrix for `master` (a handful of queries, independent of the catalog's size)."""
    family = list(Asset.objects.filter(Q(pk=master.pk) | Q(master=master), retired=False)
                  .select_related("approved_version").prefetch_related("markets")
                  .order_by("locale", "pk"))
    published = {a.pk: set(communities_publishing(a)) for a in family}
    community_ids = sorted(set().union(*published.values()))
    communities = list(Community.objects.filter(pk__in=community_ids)
                       .prefetch_related("markets", "presets").order_by("name"))
    presets = list(DownloadPreset.objects.filter(active=True).filter(
        Q(communities__isnull=True) | Q(communities__in=community_ids)).distinct()
        .prefetch_related("kinds").order_by("position", "name"))
    facts = {(f.version_id, f.preset_id): f for f in DerivativeFact.objects.filter(
        version_id__in=[a.approved_version_id for a in family if a.approved_version_id])}
    wanted = _expected_locales(communities)
    rows, used = [], set()
    for tag, names in sorted(wanted.items()):
        variant = _match(family, tag)
        if variant is not None:
            used.add(variant.pk)
        rows.append(_row(tag, variant, names, communities, published, presets, facts))
    for variant in family:
        if variant.pk not in used:
            rows.append(_row(variant.locale or "(master)", variant, [], communities, published,
                             presets, facts))
    return Completeness(master, communities, presets, rows)


def _row(tag, variant, names, communities, published, presets, facts) -> Row:
    if variant is None:
        return Row(tag, None, "missing", names, [], [Cell("missing") for _ in presets])
    approved = variant.approval_state == ApprovalState.APPROVED and variant.approved_version_id
    row = Row(tag, variant, "approved" if approved else "unapproved", names,
              [c.name for c in communities if c.pk in published[variant.pk]])
    for preset in presets:
        if not preset_applies(preset, variant):
            row.cells.append(Cell("n/a"))
        elif not preset.transformation:
            row.cells.append(Cell("original", "original file"))
        elif not approved:
            row.cells.append(Cell("unapproved"))
        else:
            fact = facts.get((variant.approved_version_id, preset.pk))
            row.cells.append(Cell(fact.state if fact else "not requested",
                                  fact.summary if fact else ""))
    return row


@login_required
def completeness_page(request, asset_pk: int):
    """`/staff/variants/assets/<id>/`: the master's locale × preset matrix."""
    if not is_brand_staff(request.user):  # partners: "no such page" (404, never 403)
        raise Http404
    asset = get_object_or_404(Asset, pk=asset_pk)
    master = asset.master if asset.master_id else asset
    return render(request, "assets/staff/completeness.html", {"report": completeness(master)})
