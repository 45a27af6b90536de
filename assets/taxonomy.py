"""Taxonomy mapping: product line, campaign, market(s) and kind of a Cloudinary asset.

Each dimension is read from a structured metadata field first, then a context key, then
tags with a prefix (`line:`, `campaign:`, `market:`, `kind:`); the names are the setting
ASSET_TAXONOMY (README, "Taxonomy mapping"). A value the portal has not seen becomes a
new taxonomy row marked `auto_created` for the content team to tidy, never an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.utils.text import slugify

from assets.models import AssetKind, Campaign, Market, ProductLine

MODELS = {"product_line": ProductLine, "campaign": Campaign, "market": Market,
          "kind": AssetKind}
SINGLE = ("product_line", "campaign", "kind")


@dataclass(frozen=True)
class Terms:
    """The taxonomy slugs of one asset (markets sorted)."""

    product_line: str | None = None
    campaign: str | None = None
    kind: str | None = None
    markets: tuple[str, ...] = ()


def context_of(resource: dict) -> dict:
    """Context as a flat map, whether Search (flat) or Admin/Upload (`{"custom": ...}`)."""
    context = resource.get("context") or {}
    if isinstance(context.get("custom"), dict):
        context = context["custom"]
    return {str(k): v for k, v in context.items() if isinstance(v, (str, int, float))}


@lru_cache(maxsize=8192)
def _slug(text: str) -> str:
    # A sync page repeats the same few taxonomy values hundreds of times; slugify is slow.
    return slugify(text.strip())[:100]


def _slugs(values: Iterable) -> list[str]:
    found = []
    for value in values:
        slug = _slug(str(value))
        if slug and slug not in found:
            found.append(slug)
    return found


def _candidates(resource: dict, config: dict, context: dict) -> list[str]:
    """The values of one dimension (its ASSET_TAXONOMY entry) from the first source that
    names any."""
    metadata = resource.get("metadata") or {}
    raw = metadata.get(config.get("metadata") or "") if isinstance(metadata, dict) else None
    values = _slugs(raw if isinstance(raw, list) else [raw] if raw else [])
    if values:
        return values
    raw = context.get(config.get("context") or "")
    values = _slugs(str(raw).split(",") if raw else [])
    if values:
        return values
    prefix = config.get("tag_prefix") or ""
    tags = resource.get("tags") or []
    return _slugs(t[len(prefix):] for t in tags if prefix and str(t).startswith(prefix))


def resolve(resource: dict, context: dict | None = None) -> Terms:
    """The taxonomy of a Cloudinary resource (Search, Admin or Upload shape).

    `context`: the resource's `context_of()`, when the caller has it already.
    """
    context = context_of(resource) if context is None else context
    # read the setting once: a sync page resolves 500 resources (the lazy settings object
    # cost a fifth of an unchanged re-sync's Python when read per dimension)
    mapping = settings.ASSET_TAXONOMY
    single = {dim: (_candidates(resource, mapping[dim], context) or [None])[0]
              for dim in SINGLE}
    return Terms(markets=tuple(sorted(_candidates(resource, mapping["market"], context))),
                 **single)


def display_name(dimension: str, slug: str) -> str:
    """A first name for an auto-created term: market codes upper-case, others titled."""
    if dimension == "market" and len(slug) <= 3:
        return slug.upper()
    return slug.replace("-", " ").replace("_", " ").title()


@dataclass
class TermCache:
    """Slug → (id, name) per dimension, creating missing rows in bulk (race-safe)."""

    known: dict[str, dict[str, tuple[int, str]]] = field(
        default_factory=lambda: {dim: {} for dim in MODELS})
    created: list[tuple[str, str]] = field(default_factory=list)

    def ensure(self, terms: Iterable[Terms]) -> None:
        """Load or create every term named by `terms`."""
        wanted: dict[str, set[str]] = {dim: set() for dim in MODELS}
        for item in terms:
            for dim in SINGLE:
                if getattr(item, dim):
                    wanted[dim].add(getattr(item, dim))
            wanted["market"].update(item.markets)
        for dim, slugs in wanted.items():
            missing = slugs - self.known[dim].keys()
            if missing:
                self._load(dim, missing)

    def _load(self, dim: str, slugs: set[str]) -> None:
        model = MODELS[dim]
        rows = dict(model.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        new = [model(slug=s, name=display_name(dim, s), auto_created=True)
               for s in sorted(slugs - rows.keys())]
        if new:
            # ignore_conflicts: a concurrent webhook may create the same term.
            model.objects.bulk_create(new, ignore_conflicts=True)
            self.created.extend((dim, row.slug) for row in new)
        for slug, pk, name in model.objects.filter(slug__in=slugs).values_list(
                "slug", "pk", "name"):
            self.known[dim][slug] = (pk, name)

    def pk(self, dim: str, slug: str | None) -> int | None:
        return self.known[dim][slug][0] if slug else None

    def name(self, dim: str, slug: str | None) -> str:
        return self.known[dim][slug][1] if slug else ""
