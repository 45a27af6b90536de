"""'New assets in my communities': one notice per member when assets became visible to them.

A periodic sweep (beat, `compliance.tasks.notify_new_assets`) looks at the window since the
last sweep: publications and rules created in it, memberships that started in it, and assets
whose first version was released in it. Only members of the communities concerned are asked,
each through the one visibility rule, in batches; each gets one notice for the window, keyed
by its end, which respects their preference (immediately, digest or off). The window's end is
stored in the same transaction, so a retried or concurrent sweep tells nobody twice.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from assets.models import Asset, AssetVersion
from communities.models import Membership, Publication
from communities.visibility import newly_visible_condition
from compliance.models import NewAssetsWatermark
from notifications.models import Notice
from notifications.services import notify

BATCH = 500
TITLES_SHOWN = 5


def _first_released(since: datetime, until: datetime) -> list[int]:
    """Assets whose first released version went out in (since, until]."""
    return list(AssetVersion.objects.filter(released_at__gt=since, released_at__lte=until)
                .exclude(asset__versions__released_at__lte=since)
                .values_list("asset_id", flat=True).distinct())


def _communities_concerned(since, until, released: list[int]) -> set[int]:
    ids = set(Publication.objects.filter(published_at__gt=since, published_at__lte=until)
              .values_list("community_id", flat=True))
    ids |= set(Membership.objects.filter(created_at__gt=since, created_at__lte=until)
               .values_list("community_id", flat=True))
    if released:
        from communities.selectors import communities_publishing

        for asset in Asset.objects.filter(pk__in=released).prefetch_related("markets"):
            ids |= set(communities_publishing(asset))
    return ids


def _text(assets: list[Asset], count: int) -> tuple[str, str]:
    if count == 1:
        return f"New in your communities: {assets[0].title}", ""
    shown = "\n".join(f"- {a.title}" for a in assets[:TITLES_SHOWN])
    more = f"\n…and {count - TITLES_SHOWN} more" if count > TITLES_SHOWN else ""
    return f"{count} new assets in your communities", shown + more


def _announce_batch(users, since, released: list[int], key: str) -> int:
    by_text: dict[tuple[str, str, str], list[int]] = {}
    for user in users:
        new = (Asset.objects.visible_to(user)
               .filter(newly_visible_condition(user, since) | Q(pk__in=released))
               .order_by("title", "pk"))
        found = list(new.only("pk", "title")[:TITLES_SHOWN + 1])
        if not found:
            continue
        count = len(found) if len(found) <= TITLES_SHOWN else new.count()
        title, body = _text(found, count)
        url = (reverse("assets:detail", args=[found[0].pk]) if count == 1
               else reverse("assets:catalog"))
        by_text.setdefault((title, body, url), []).append(user.pk)
    return sum(notify(ids, kind=Notice.Kind.NEW_ASSET, key=key, title=title, body=body, url=url)
               for (title, body, url), ids in by_text.items())


@transaction.atomic
def announce_new_assets(at: datetime | None = None) -> int:
    """Tell members about assets that became visible to them since the last sweep.

    The first sweep only sets the starting point (it never floods everyone with the whole
    catalog). Returns how many notices were written.
    """
    from django.contrib.auth import get_user_model

    until = at or timezone.now()
    mark, created = NewAssetsWatermark.objects.select_for_update().get_or_create(
        pk=1, defaults={"until": until})
    if created or mark.until >= until:
        return 0
    since = mark.until
    released = _first_released(since, until)
    communities = _communities_concerned(since, until, released)
    member_ids = (Membership.objects.current(until).filter(community_id__in=communities)
                  .values_list("user_id", flat=True).distinct().order_by("user_id"))
    key = f"new-assets:{until:%Y%m%dT%H%M%S}"
    told, last = 0, 0
    users = get_user_model().objects.filter(is_active=True).order_by("pk")
    while True:
        batch = list(users.filter(pk__in=member_ids, pk__gt=last)[:BATCH])
        if not batch:
            break
        told += _announce_batch(batch, since, released, key)
        last = batch[-1].pk
    mark.until = until
    mark.save(update_fields=["until"])
    return told
