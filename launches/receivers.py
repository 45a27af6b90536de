"""What makes readiness stale: asset, version, approval, publication, retirement, embargo and
preset changes.

Each receiver asks for a recompute of the kits the change may affect, after commit; the
request is debounced per kit (launches.services.request_recompute). Embargo changes are
reported by launches.services.embargo_sync itself (a kit's recompute moving an asset's
go-live asks for the other kits holding that asset).
"""

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save


def _later(asset_ids) -> None:
    def queue():
        from launches.services import kits_for_assets, request_recompute

        with transaction.atomic():
            request_recompute(kits_for_assets(asset_ids))

    transaction.on_commit(queue)


def _later_kits(kits) -> None:
    """`kits`: a LaunchKit queryset, evaluated after commit."""
    def queue():
        from launches.services import request_recompute

        with transaction.atomic():
            request_recompute(kits.values_list("pk", flat=True).distinct())

    transaction.on_commit(queue)


def on_version(sender, *, asset, version=None, **kwargs) -> None:
    _later([asset.pk])


def on_asset_saved(sender, instance, update_fields=None, **kwargs) -> None:
    from assets.models import ApprovalState

    if (update_fields and "approval_state" in update_fields
            and instance.approval_state == ApprovalState.APPROVED):
        embargo_on_approval(instance.pk)
    _later([instance.pk])


def embargo_on_approval(asset_id: int) -> None:
    """In the approval's own transaction: recompute the upcoming embargoing kits the asset may
    fill, so that the embargo of a launch asset exists from the moment partners could see it
    (a queued recompute runs seconds later: until then the asset would be visible)."""
    from django.utils import timezone

    from launches.models import LaunchKit
    from launches.readiness import kit_recompute
    from launches.services import kits_for_assets

    now = timezone.now()
    upcoming = (LaunchKit.objects.filter(pk__in=kits_for_assets([asset_id]), embargo=True)
                .filter(Q(go_live_at__gt=now) | Q(market_dates__go_live_at__gt=now))
                .values_list("pk", flat=True).distinct().order_by("pk"))
    for kit_id in list(upcoming):
        kit_recompute(kit_id)


def on_version_saved(sender, instance, **kwargs) -> None:
    _later([instance.asset_id])


def on_asset_retired(sender, *, asset, **kwargs) -> None:
    _later([asset.pk])


def on_publication_changed(sender, instance, **kwargs) -> None:
    """A publication added or withdrawn: an asset's (and its variants', which a master's
    publication carries), or a rule's, which may expose any asset to its community."""
    from assets.models import Asset
    from launches.models import LaunchKit

    if instance.asset_id:
        variants = Asset.objects.filter(master_id=instance.asset_id).values_list("pk", flat=True)
        _later([instance.asset_id, *variants])
    else:
        _later_kits(LaunchKit.objects.filter(communities=instance.community_id))


# Saves that only record what Cloudinary holds (assets.presets) change no derivative.
PRESET_BOOKKEEPING = {"named_transformation", "synced_definition", "sync_error"}


def on_preset_saved(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    """A preset's transformation changed: kits with a slot judged on it re-measure (the
    recompute task measures the derivatives of the new transformation from Cloudinary)."""
    from launches.models import LaunchKit

    if created or (update_fields and set(update_fields) <= PRESET_BOOKKEEPING):
        return
    _later_kits(LaunchKit.objects.filter(Q(slots__preset=instance)
                                         | Q(slots__market_rules__preset=instance)))


def _kits_on_m2m(action: str, kits) -> None:
    """Recompute `kits` (a queryset) for a many-to-many change: after an add or a remove;
    for a clear, the kits read before the links go (after it, the queryset finds none)."""
    from launches.models import LaunchKit

    if action in ("post_add", "post_remove"):
        _later_kits(kits)
    elif action == "pre_clear":
        _later_kits(LaunchKit.objects.filter(pk__in=list(kits.values_list("pk", flat=True))))


def on_community_markets_changed(sender, instance, action, reverse, pk_set=None,
                                 **kwargs) -> None:
    """A community's markets changed: which of its kits' markets it serves (and the embargo
    rows that apply to its members) moved; recompute the kits it belongs to."""
    from launches.models import LaunchKit

    if not reverse:
        kits = LaunchKit.objects.filter(communities=instance)
    elif pk_set:  # market.communities.add(...): instance is the market
        kits = LaunchKit.objects.filter(communities__in=pk_set)
    else:  # market.communities.clear()
        kits = LaunchKit.objects.filter(communities__markets=instance)
    _kits_on_m2m(action, kits)


def on_kit_communities_changed(sender, instance, action, reverse, pk_set=None,
                               **kwargs) -> None:
    """A kit's communities changed: whom its cells must be published to changed."""
    from launches.models import LaunchKit

    if not reverse:
        kits = LaunchKit.objects.filter(pk=instance.pk)
    elif pk_set:  # community.launchkit_set.add(...)
        kits = LaunchKit.objects.filter(pk__in=pk_set)
    else:  # community's kits cleared
        kits = LaunchKit.objects.filter(communities=instance)
    _kits_on_m2m(action, kits)


def connect() -> None:
    from assets.models import Asset, AssetVersion, DownloadPreset
    from assets.signals import asset_retired, asset_version_added, asset_version_released
    from communities.models import Publication

    asset_version_added.connect(on_version, dispatch_uid="launches.version_added")
    asset_version_released.connect(on_version, dispatch_uid="launches.version_released")
    asset_retired.connect(on_asset_retired, dispatch_uid="launches.asset_retired")
    post_save.connect(on_asset_saved, sender=Asset, dispatch_uid="launches.asset_saved")
    post_save.connect(on_version_saved, sender=AssetVersion,
                      dispatch_uid="launches.version_saved")
    post_save.connect(on_publication_changed, sender=Publication,
                      dispatch_uid="launches.publication_saved")
    post_delete.connect(on_publication_changed, sender=Publication,
                        dispatch_uid="launches.publication_deleted")
    post_save.connect(on_preset_saved, sender=DownloadPreset,
                      dispatch_uid="launches.preset_saved")
    from communities.models import Community
    from launches.models import LaunchKit

    m2m_changed.connect(on_community_markets_changed, sender=Community.markets.through,
                        dispatch_uid="launches.community_markets")
    m2m_changed.connect(on_kit_communities_changed, sender=LaunchKit.communities.through,
                        dispatch_uid="launches.kit_communities")
