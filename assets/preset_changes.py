"""Changing a preset's transformation from a rendering case (issue #15), for everyone or
only for one community.

For everyone, the preset's named transformation (`portal_<slug>`) gets the new definition
(`update_transformation` with `unsafe_update`: only newly generated derivatives use it).
For one community, a named transformation of its own (`portal_<slug>__c<id>`) is created or
changed and recorded as a `communities.PresetOverride`: its members download the preset by
the same slug through it, everyone else keeps the preset's own.

Either way the affected derivatives (the case's asset, and for everyone every released
version the preset was generated ahead for) are deleted and purged from the CDN
(`delete_derived_by_transformation`, ``invalidate=True``: exactly those, nothing else of the
assets, one Admin call per 100 copies) and regenerated with `explicit` + eager: the case's
copy at once (its answer gives the after facts), the others by a task with async eager,
whose notification fills in their facts as at release. The
change creates no asset version; it is the audit event `asset.rendering_updated` on the
asset and `preset.rendering_updated` on the preset, with before/after. Network first, then
one transaction; repeating a change is harmless (the same definition is written again).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from assets.cloudinary import rendering as cld
from assets.cloudinary import variants as cloud
from assets.cloudinary.delivery import DELIVERY_TYPE
from assets.models import Asset, DerivativeFact, DownloadPreset
from assets.rendering import FOCAL_CROPS, RenderingError

CROPS = ("fill", "lfill", "fill_pad", "thumb", "crop", "auto", "limit", "fit", "scale", "pad")
GRAVITIES = ("auto", "custom", "center", "face", "north", "south", "east", "west")
QUALITIES = ("auto", "auto:best", "auto:good", "auto:eco", "auto:low")
FORMATS = ("auto", "webp", "avif", "jpg", "png")
_SIZE = re.compile(r"^(c|w|h|ar)_")


def changed_transformation(base: str, *, crop: str = "", gravity: str = "",
                           quality: str = "", fmt: str = "") -> str:
    """`base` with its crop mode, gravity, quality and format set (empty: kept).

    Each is set where it stands, else added to the step that sizes the image (``q_`` and
    ``f_`` move there from other steps), so ``c_fill,g_auto,w_640,h_800`` becomes
    ``c_fill,g_auto,w_640,h_800,q_auto,f_auto``.
    """
    if crop and crop not in CROPS:
        raise RenderingError(f"Unknown crop mode {crop!r}.")
    if gravity and gravity not in GRAVITIES:
        raise RenderingError(f"Unknown gravity {gravity!r}.")
    if quality and quality not in QUALITIES and not (quality.isdigit()
                                                     and 1 <= int(quality) <= 100):
        raise RenderingError("Quality is auto, auto:best|good|eco|low or 1 to 100.")
    if fmt and fmt not in FORMATS:
        raise RenderingError(f"Unknown format {fmt!r}.")
    steps = [step.split(",") for step in (base or "").split("/") if step] or [[]]
    main = next((i for i, s in enumerate(steps) if any(_SIZE.match(p) for p in s)), 0)
    for prefix, value, where in (("c_", crop, [main]), ("g_", gravity, [main]),
                                 ("q_", quality, range(len(steps))),
                                 ("f_", fmt, range(len(steps)))):
        if not value:
            continue
        for i in where:
            if i != main:
                steps[i] = [p for p in steps[i] if not p.startswith(prefix)]
        at = next((j for j, p in enumerate(steps[main]) if p.startswith(prefix)), None)
        steps[main] = [p for j, p in enumerate(steps[main])
                       if j == at or not p.startswith(prefix)]
        if at is None:
            steps[main].append(prefix + value)
        else:
            steps[main][next(j for j, p in enumerate(steps[main])
                             if p.startswith(prefix))] = prefix + value
    main_crop = next((p[2:] for p in steps[main] if p.startswith("c_")), "")
    if any(p.startswith("g_") for p in steps[main]) and main_crop not in FOCAL_CROPS:
        raise RenderingError(f"Gravity needs a cropping mode ({', '.join(FOCAL_CROPS)}); "
                             f"c_{main_crop or 'none'} does not crop.")
    return "/".join(",".join(s) for s in steps if s)


def with_override(preset: DownloadPreset, override) -> DownloadPreset:
    """`preset` as a community with an override downloads it (an unsaved copy): same slug
    and name, the override's transformation through its named transformation."""
    if override is None:
        return preset
    effective = copy.copy(preset)
    effective.transformation = override.transformation
    effective.format = override.format or preset.format
    effective.named_transformation = override.name
    effective.synced_definition = override.transformation
    effective.override = override
    effective.save = _refuse_save
    return effective


def _refuse_save(*args, **kwargs):
    raise RuntimeError("A preset with a community's override applied is never saved.")


@dataclass(frozen=True)
class PresetChange:
    """What a preset change did: definitions and the derivative facts before/after."""

    preset_slug: str
    community_id: int | None
    name: str
    before_transformation: str
    after_transformation: str
    before: dict
    after: dict
    regenerated: list[str] = field(default_factory=list)
    invalidated: list[str] = field(default_factory=list)
    format: str = ""
    facts: dict[str, dict] = field(default_factory=dict)  # per regenerated copy

    @property
    def scope(self) -> str:
        return "community" if self.community_id else "everyone"


def _format(preset, asset: Asset, override=None) -> str:
    version = asset.approved_version
    return ((override.format if override else "") or preset.format
            or (version.format if version else asset.format) or "").lower()


def _spec(transformation: str, fmt: str) -> dict:
    return {"raw_transformation": transformation, "format": fmt}


def preset_change(*, preset: DownloadPreset, asset: Asset, actor, community=None,
                  crop: str = "", gravity: str = "", quality: str = "", fmt: str = "",
                  reason: str = "", save: bool = True) -> PresetChange:
    """Change `preset` for everyone (`community` None) or only for `community`, regenerate
    and invalidate its affected derivatives, audit before/after.

    With ``save=False`` only Cloudinary is changed: the caller then runs
    `preset_change_save` inside its own transaction (a case records its fix with it)."""
    from communities.models import PresetOverride

    if not asset.release_public_id or asset.resource_type != "image":
        raise RenderingError("Only a released image's preset can be changed here.")
    override = (PresetOverride.objects.filter(preset=preset, community=community).first()
                if community is not None else None)
    current = with_override(preset, override) if community is not None else preset
    before_definition = current.transformation
    after_definition = changed_transformation(before_definition, crop=crop, gravity=gravity,
                                              quality=quality, fmt=fmt)
    if after_definition == before_definition:
        raise RenderingError("That is the preset's transformation already: change something.")
    out = _format(preset, asset, override)
    delivered = (f"t_{current.named_transformation}" if current.delivered_through_name
                 else before_definition)
    [before] = cld.generate_derivatives(public_id=asset.release_public_id,
                                        delivery_type=DELIVERY_TYPE,
                                        specs=[_spec(delivered, out)]) or [None]
    name = (PresetOverride.name_for(preset, community) if community is not None
            else preset.transformation_name)
    _write_named(name, after_definition)
    targets = _affected_public_ids(preset, asset, community)
    spec = _spec(f"t_{name}", out)
    deleted = cloud.invalidate_derivatives(
        public_ids=targets, transformations=[f"t_{name}/{out}" if out else f"t_{name}"],
        resource_type="image", delivery_type=DELIVERY_TYPE)
    # the case's copy now (its after facts are the fix's); the others by a task (async eager)
    [facts] = cld.generate_derivatives(public_id=asset.release_public_id,
                                       delivery_type=DELIVERY_TYPE, specs=[spec]) or [None]
    after = {asset.release_public_id: facts.as_dict() if facts else {}}
    change = PresetChange(
        preset_slug=preset.slug, community_id=community.pk if community else None, name=name,
        before_transformation=before_definition, after_transformation=after_definition,
        before=before.as_dict() if before else {}, after=after.get(asset.release_public_id, {}),
        regenerated=targets, invalidated=sorted(deleted), format=out, facts=after)
    if save:
        preset_change_save(preset=preset, asset=asset, community=community, actor=actor,
                           change=change, reason=reason)
    return change


def _queue_regeneration(preset_pk: int, public_ids: list[str]) -> None:
    from assets.tasks import regenerate_preset_derivatives

    for start in range(0, len(public_ids), 50):
        regenerate_preset_derivatives.delay(preset_pk, public_ids[start:start + 50])


def derivatives_regenerate(*, preset_id: int, public_ids: list[str]) -> str:
    """Generate the preset's derivative of these delivery copies anew (explicit + eager,
    async, notified like the derivatives made at release: `presets.derivatives_recorded`
    fills in their facts). Idempotent: asking again renders the same derivative again."""
    from django.conf import settings

    preset = DownloadPreset.objects.filter(pk=preset_id).first()
    if preset is None or not preset.delivered_through_name:
        return "nothing to do"
    facts = (DerivativeFact.objects.filter(preset=preset,
                                           version__delivery_public_id__in=public_ids)
             .select_related("version"))
    asked = 0
    for fact in facts:
        fmt = (preset.format or fact.version.format or "").lower()
        answer = cloud.generate_eager(
            public_id=fact.version.delivery_public_id, resource_type="image",
            delivery_type=DELIVERY_TYPE, eager=[f"t_{preset.named_transformation}/{fmt}"],
            notification_url=settings.CLOUDINARY_EAGER_NOTIFICATION_URL or None)
        DerivativeFact.objects.filter(pk=fact.pk).update(
            batch_id=str(answer.get("batch_id") or ""), format=fmt)
        asked += 1
    return f"requested {asked}"


def _write_named(name: str, definition: str) -> None:
    """Create or change the named transformation (allowed under strict transformations)."""
    if cloud.named_transformation(name) is None:
        cloud.create_named_transformation(name, definition)
    else:
        cloud.update_named_transformation(name, definition)


def _affected_public_ids(preset, asset: Asset, community) -> list[str]:
    """The delivery copies whose derivative of this preset changes: the case's asset, and
    for everyone every released version it was generated ahead for."""
    ids = [asset.release_public_id]
    if community is None:
        ids += list(DerivativeFact.objects.filter(preset=preset)
                    .filter(version__asset__approved_version=F("version"))
                    .exclude(version__delivery_public_id="")
                    .values_list("version__delivery_public_id", flat=True))
    return sorted(set(ids), key=lambda pid: (pid != asset.release_public_id, pid))


@transaction.atomic
def preset_change_save(*, preset: DownloadPreset, asset: Asset, community, actor,
                       change: PresetChange, reason: str = "") -> None:
    """The database half of a preset change: the preset (or the community's override), the
    derivative facts, and the audit events with before/after (one transaction)."""
    from audit import record
    from communities.models import PresetOverride

    out, after = change.format, change.facts
    others = [pid for pid in change.regenerated if pid not in after]

    if community is None:
        DownloadPreset.objects.filter(pk=preset.pk).update(
            transformation=change.after_transformation, named_transformation=change.name,
            synced_definition=change.after_transformation, sync_error="")
        for fact in DerivativeFact.objects.filter(
                preset=preset, version__delivery_public_id__in=list(after)).select_related(
                "version"):
            facts = after.get(fact.version.delivery_public_id) or {}
            fact.transformation, fact.format = f"t_{change.name}", facts.get("format") or out
            fact.width, fact.height, fact.bytes = (facts.get("width"), facts.get("height"),
                                                   facts.get("bytes"))
            fact.state, fact.generated_at = DerivativeFact.State.READY, timezone.now()
            fact.save()
        DerivativeFact.objects.filter(preset=preset,
                                      version__delivery_public_id__in=others).update(
            transformation=f"t_{change.name}", state=DerivativeFact.State.PENDING,
            width=None, height=None, bytes=None, generated_at=None, requested_at=timezone.now())
        if others:
            transaction.on_commit(lambda: _queue_regeneration(preset.pk, others))
    else:
        PresetOverride.objects.update_or_create(
            preset=preset, community=community,
            defaults={"transformation": change.after_transformation, "name": change.name,
                      "updated_at": timezone.now()})
    payload = {"change": "preset", "scope": change.scope, "reason": reason,
               "community": community.pk if community else None, "preset": preset.slug,
               "named_transformation": change.name,
               "before": {"transformation": change.before_transformation,
                          "derivative": change.before},
               "after": {"transformation": change.after_transformation,
                         "derivative": change.after},
               "regenerated": change.regenerated, "invalidated": change.invalidated}
    version = asset.approved_version.version if asset.approved_version else None
    record("asset.rendering_updated", actor=actor, target=asset, asset_version=version,
           community=community, payload=payload)
    record("preset.rendering_updated", actor=actor, target=preset, asset=asset,
           asset_version=version, community=community, payload=payload)


# -- reverting a community to the preset everyone gets ------------------------------------
@dataclass(frozen=True)
class OverrideRevert:
    """What removing a community's override did: its definition and the preset's, the
    derivative facts before/after (of `asset`, when given) and the derivatives removed."""

    preset_slug: str
    community_id: int
    name: str
    before_transformation: str
    after_transformation: str
    before: dict
    after: dict
    affected: list[str] = field(default_factory=list)
    invalidated: list[str] = field(default_factory=list)


def override_revert(*, preset: DownloadPreset, community, actor, asset: Asset | None = None,
                    reason: str = "", save: bool = True) -> OverrideRevert:
    """Put `community` back on the preset everyone gets: the derivatives made through its
    override are deleted and purged from the CDN (`delete_derived_by_transformation`,
    ``invalidate=True``), its named transformation is deleted (`delete_transformation`,
    which removes any derived image of it left), then the override row goes, audited with
    before/after.

    The derivatives are those Cloudinary lists for the name (`transformation`'s
    ``derived``) and the delivery copies the community's members downloaded through it (the
    audit): the SDK's `delete_transformation` cannot ask for invalidation itself. With an
    `asset` (a case's) its derivative is measured before (through the override) and after
    (through the preset's own). With ``save=False`` only Cloudinary is changed: the caller
    runs `override_revert_save` in its own transaction."""
    from communities.models import PresetOverride

    override = PresetOverride.objects.filter(preset=preset, community=community).first()
    if override is None:
        raise RenderingError(f"{community.name} gets the global {preset.name} already.")
    if not preset.delivered_through_name:
        raise RenderingError(f"{preset.name} is not in Cloudinary as a named transformation "
                             "yet: save the preset first.")
    if asset is not None and (not asset.release_public_id or asset.resource_type != "image"):
        raise RenderingError("Only a released image's preset can be changed here.")
    before = after = None
    if asset is not None:
        [before] = cld.generate_derivatives(
            public_id=asset.release_public_id, delivery_type=DELIVERY_TYPE,
            specs=[_spec(f"t_{override.name}", _format(preset, asset, override))]) or [None]
    affected = _override_public_ids(preset, override, asset)
    deleted = cloud.invalidate_derivatives(
        public_ids=affected, transformations=[f"t_{override.name}"], resource_type="image",
        delivery_type=DELIVERY_TYPE) if affected else {}
    cloud.delete_named_transformation(override.name)
    if asset is not None:
        [after] = cld.generate_derivatives(
            public_id=asset.release_public_id, delivery_type=DELIVERY_TYPE,
            specs=[_spec(f"t_{preset.named_transformation}", _format(preset, asset))]) or [None]
    revert = OverrideRevert(
        preset_slug=preset.slug, community_id=community.pk, name=override.name,
        before_transformation=override.transformation,
        after_transformation=preset.transformation,
        before=before.as_dict() if before else {}, after=after.as_dict() if after else {},
        affected=affected,
        invalidated=sorted(pid for pid, state in deleted.items() if state == "deleted"))
    if save:
        override_revert_save(preset=preset, community=community, actor=actor, asset=asset,
                             revert=revert, reason=reason)
    return revert


def _override_public_ids(preset: DownloadPreset, override, asset: Asset | None) -> list[str]:
    """The delivery copies with a derivative of the override: those Cloudinary lists for
    its named transformation, and those its community's members downloaded through it."""
    from audit.models import Event

    ids = {item["public_id"] for item in cloud.named_transformation_derived(override.name) or []
           if item.get("public_id") and item.get("type", DELIVERY_TYPE) == DELIVERY_TYPE
           and item.get("resource_type", "image") == "image"}
    downloaded = Event.objects.filter(
        action="asset.downloaded", payload__preset=preset.slug,
        payload__override_community=override.community_id).values("asset_id")
    for other in Asset.objects.filter(pk__in=downloaded).select_related("approved_version"):
        if other.release_public_id and other.resource_type == "image":
            ids.add(other.release_public_id)
    first = asset.release_public_id if asset is not None else None
    if first:
        ids.add(first)
    return sorted(ids, key=lambda pid: (pid != first, pid))


@transaction.atomic
def override_revert_save(*, preset: DownloadPreset, community, actor, asset: Asset | None,
                         revert: OverrideRevert, reason: str = ""):
    """The database half of a revert: the override row goes, and the audit events with
    before/after (on the preset, and on the asset when there is one). Returns the preset's
    event."""
    from audit import record
    from communities.models import PresetOverride

    PresetOverride.objects.filter(preset=preset, community=community).delete()
    payload = {"change": "override_removed", "scope": "community", "reason": reason,
               "community": community.pk, "preset": preset.slug,
               "named_transformation": revert.name,
               "before": {"transformation": revert.before_transformation,
                          "named_transformation": revert.name,
                          "derivative": revert.before},
               "after": {"transformation": revert.after_transformation,
                         "named_transformation": preset.named_transformation,
                         "derivative": revert.after},
               "affected": revert.affected, "invalidated": revert.invalidated}
    version = (asset.approved_version.version if asset is not None and asset.approved_version
               else None)
    if asset is not None:
        record("asset.rendering_updated", actor=actor, target=asset, asset_version=version,
               community=community, payload=payload)
    return record("preset.rendering_updated", actor=actor, target=preset, asset=asset,
                  asset_version=version, community=community, payload=payload)


def override_revert_notify(*, preset: DownloadPreset, community, key: str,
                           exclude: set[int] = frozenset()) -> int:
    """A notice, per asset, to each partner user who downloaded `preset` of it through
    `community`'s override and may still see it: the size is the global one again."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from audit.models import Event
    from notifications.models import Notice
    from notifications.services import notify

    pairs = (Event.objects.filter(action="asset.downloaded", payload__preset=preset.slug,
                                  payload__override_community=community.pk)
             .exclude(actor_user_id=None).values_list("asset_id", "actor_user_id").distinct())
    by_asset: dict[int, set[int]] = {}
    for asset_id, user_id in pairs:
        if user_id not in exclude:
            by_asset.setdefault(asset_id, set()).add(user_id)
    sent = 0
    users = {u.pk: u for u in get_user_model().objects.filter(
        pk__in=set().union(*by_asset.values()) if by_asset else [], is_active=True)}
    for asset in Asset.objects.filter(pk__in=by_asset):
        recipients = [pk for pk in sorted(by_asset[asset.pk]) if pk in users
                      and Asset.objects.visible_to(users[pk]).filter(pk=asset.pk).exists()]
        sent += notify(recipients, kind=Notice.Kind.NEW_VERSION,
                       key=f"{key}:{asset.pk}"[:100],
                       title=f"{asset}: {preset.name} is the brand's standard size again",
                       body=f"{community.name}'s own {preset.name} was removed: it renders as "
                            f"for everyone ({preset.transformation}) from now on. Download it "
                            "again for the current file. The version is unchanged.",
                       url=reverse("assets:detail", args=[asset.pk]))
    return sent
