"""Partner downloads: check the preset, audit, hand out a signed Cloudinary link.

The caller has already fetched the asset through `Asset.objects.visible_to(user)`;
these services never stream bytes, they return the link to redirect to.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.http import Http404

from assets.cloudinary.client import CloudinaryError
from assets.cloudinary.delivery import DownloadLink, download_link, zip_link
from assets.models import Asset, DownloadPreset
from assets.selectors import offered_presets_queryset, preset_applies
from assets.zip_copies import zip_copies
from communities.visibility import current_memberships

log = logging.getLogger(__name__)

MAX_ZIP_ASSETS = 200
ORIGINAL = "original"


class DownloadError(ValueError):
    """A download request the portal refuses (bad preset, empty or oversized selection)."""


@dataclass(frozen=True)
class Grant:
    """Who the download is for: the user's partner and, when known, the community."""

    partner: object | None
    community: object | None


def grant_for(user, assets: list[Asset]) -> Grant:
    """The partner and community to name in audit events (one query).

    The community is the user's only community, or the one an asset was
    published to directly; rule-based access across several communities is
    left unnamed rather than guessed.
    """
    return grant_from(current_memberships(user, published_to=[a.pk for a in assets]))


def grant_from(memberships: list) -> Grant:
    """`grant_for` from memberships already read (communities.visibility.current_memberships,
    as rule_and_memberships returns them)."""
    if not memberships:
        return Grant(None, None)  # brand staff
    if len(memberships) == 1:
        return Grant(memberships[0].partner, memberships[0].community)
    direct = next((m for m in memberships if m.direct), None)
    chosen = direct or memberships[0]
    return Grant(chosen.partner, chosen.community if direct else None)


def preset_for(asset: Asset, slug: str, user=None, rule=None) -> DownloadPreset:
    """The active preset `slug`, if it applies to `asset` and is offered to `user` (a
    community's own presets only to its members; without a user: global ones only), with
    the user's community override applied (#15); otherwise Http404. `rule`: the user's
    `UserRule` when the caller read it (its communities are not read again).

    One statement: the preset, whether its kinds admit the asset's, and the override (they
    were three, and each query's ORM compile cost more than its execution, #17)."""
    communities = rule.communities if rule is not None else None
    presets = offered_presets_queryset(user, communities) if user is not None else \
        DownloadPreset.objects.filter(active=True, communities__isnull=True)
    preset = _with_kinds_and_override(presets.filter(slug=slug), asset, user,
                                      communities).first()
    if preset is None or not _applies(preset, asset):
        raise Http404("No such download preset for this asset.")
    from assets.preset_changes import with_override

    return with_override(preset, _override_of(preset))


def _with_kinds_and_override(presets, asset: Asset, user, communities):
    """`presets` annotated with what `preset_for` decides on: whether each restricts kinds
    (`kinds_any`) and admits the asset's (`kinds_admit_asset`), and the user's override as
    one JSON object (`override_row`, the lowest community id first, as preset_override_for)."""
    from communities.selectors import user_preset_overrides

    kinds = DownloadPreset.kinds.through.objects.filter(downloadpreset_id=OuterRef("pk"))
    presets = presets.annotate(kinds_any=Exists(kinds),
                               kinds_admit_asset=Exists(kinds.filter(assetkind_id=asset.kind_id)))
    overrides = user_preset_overrides(user, communities=communities) if user is not None \
        else None
    if overrides is None:
        return presets
    row = JSONObject(**{name: name for name in _OVERRIDE_FIELDS})
    return presets.annotate(override_row=Subquery(
        overrides.filter(preset=OuterRef("pk")).values(row=row)[:1]))


def _applies(preset: DownloadPreset, asset: Asset) -> bool:
    """`assets.selectors.preset_applies` on the flags `_with_kinds_and_override` read in the
    preset's statement instead of its prefetched kinds (a test keeps the two equal)."""
    if preset.resource_types and asset.resource_type not in preset.resource_types:
        return False
    return not preset.kinds_any or preset.kinds_admit_asset


# What with_override and the audit event read of a PresetOverride (the rest stays deferred).
_OVERRIDE_FIELDS = ("id", "preset_id", "community_id", "transformation", "format", "name")


def _override_of(preset: DownloadPreset):
    """The PresetOverride read in the preset's statement (`override_row`), or None."""
    from communities.models import PresetOverride

    row = getattr(preset, "override_row", None)
    if not row:
        return None
    names = [f.attname for f in PresetOverride._meta.concrete_fields if f.attname in row]
    return PresetOverride.from_db(preset._state.db, names, [row[name] for name in names])


def _as_offered(preset: DownloadPreset, user, communities=None) -> DownloadPreset:
    """`preset` with the user's community's own definition applied, if it has one (a
    rendering fix made only for that community, #15)."""
    if user is None:
        return preset
    from assets.preset_changes import with_override
    from communities.selectors import preset_override_for

    return with_override(preset, preset_override_for(user, preset, communities=communities))


def zip_preset_for(assets: list[Asset], slug: str, user=None) -> DownloadPreset | None:
    """The preset a ZIP is made with (None: originals); it must be offered to `user` (global
    or one of their communities' presets) for every asset, as on each asset page, or the
    partner is told which ones it is not offered for."""
    from assets.selectors import offered_presets_queryset

    if not slug or slug == ORIGINAL:
        return None
    presets = (offered_presets_queryset(user) if user is not None
               else DownloadPreset.objects.filter(active=True))
    preset = presets.filter(slug=slug).prefetch_related("kinds").first()
    if preset is None:
        raise DownloadError("That download preset no longer exists; choose another one.")
    refused = [asset for asset in assets if not preset_applies(preset, asset)]
    if refused:
        names = ", ".join(f"“{asset}”" for asset in refused[:3])
        more = f" and {len(refused) - 3} more" if len(refused) > 3 else ""
        raise DownloadError(f"{preset.name} is not offered for {names}{more}. Choose "
                            "Originals, or leave those out of the selection.")
    return _as_offered(preset, user)


def asset_download(*, user, asset: Asset, preset: DownloadPreset,
                   grant: Grant | None = None) -> DownloadLink:
    """Record `asset.downloaded` (version and preset) and return the signed link. `grant`:
    whom to name, when the caller has read the user's memberships (`grant_from`)."""
    grant = grant if grant is not None else grant_for(user, [asset])
    try:
        link = download_link(asset, preset)
    except LookupError:
        raise Http404("This asset is being prepared for download; try again in a minute.")
    _record(user, asset, preset, grant, {"delivery": "single"})  # its own transaction
    return link


def assets_download_zip(*, user, assets: list[Asset],
                        preset: DownloadPreset | None = None) -> DownloadLink:
    """One audited `asset.downloaded` per asset, then the one ZIP archive link."""
    assets = [asset for asset in assets if asset.release_public_id]
    if not assets:
        raise DownloadError("Select at least one asset to download.")
    if len(assets) > MAX_ZIP_ASSETS:
        raise DownloadError(f"Select at most {MAX_ZIP_ASSETS} assets for one ZIP file.")
    grant = grant_for(user, assets)
    link = zip_link(assets, preset, copies=_zip_copies(assets, preset))
    from audit import record_many

    entries = [_entry(user, asset, preset, grant, {"delivery": "zip"}) for asset in assets]
    with transaction.atomic():
        record_many(entries)
    return link


def _zip_copies(assets, preset) -> dict:
    """The images' ZIP copies for `preset` (entries named ``<asset>_<preset>``); when
    Cloudinary cannot make one now, none: the ZIP is still served, its entries named after
    the assets only."""
    try:
        return zip_copies(assets, preset)
    except (CloudinaryError, LookupError) as error:
        log.warning("ZIP copies for %s not made (%s): entries without the preset", preset, error)
        return {}


def _entry(user, asset, preset, grant: Grant, extra: dict) -> dict:
    return {
        "action": "asset.downloaded", "actor": user, "target": asset,
        "asset_version": asset.approved_version.version if asset.approved_version else None,
        "community": grant.community,
        "partner": grant.partner,
        "payload": {"preset": preset.slug if preset else ORIGINAL, **_override(preset),
                    **extra},
    }


def _override(preset) -> dict:
    """Which community's override of the preset the download went through, if any."""
    override = getattr(preset, "override", None)
    return {"override_community": override.community_id} if override is not None else {}


def _record(user, asset, preset, grant: Grant, extra: dict) -> None:
    from audit import record

    entry = _entry(user, asset, preset, grant, extra)
    record(entry.pop("action"), **entry)
