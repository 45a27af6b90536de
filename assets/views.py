"""Partner pages of the catalog: browse and search, the asset page, downloads, API tokens."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from assets import selectors
from assets.cloudinary import delivery
from assets.downloads import (
    ORIGINAL,
    DownloadError,
    asset_download,
    assets_download_zip,
    preset_for,
)
from assets.filters import SORTS, AssetFilter
from assets.models import Asset
from portal.ids import ids_from
from portal.redirects import redirect_next

PAGE_SIZE = 24
MAX_PAGE_SIZE = 96


def _page_size(request) -> int:
    try:
        size = int(request.GET.get("per_page", PAGE_SIZE))
    except ValueError:
        return PAGE_SIZE
    return min(max(size, 1), MAX_PAGE_SIZE)


def _query_without(request, *names) -> str:
    data = request.GET.copy()
    for name in names:
        data.pop(name, None)
    return data.urlencode()


@login_required
@require_GET
def catalog(request):
    """Search and facets over what the user may see; the state lives in the URL."""
    base = selectors.catalog_queryset(request.user)
    filterset = AssetFilter(request.GET, queryset=base)
    facets, total = selectors.facet_counts(request.GET, base)
    paginator = Paginator(filterset.qs, _page_size(request))
    if total is not None:
        paginator.count = total  # counted with the facets: spares a COUNT(*) over the rule
    page = paginator.get_page(request.GET.get("page"))
    visit = request.user.last_catalog_visit
    User.objects.filter(pk=request.user.pk).update(last_catalog_visit=timezone.now())
    context = {
        "filter": filterset,
        "facets": facets,
        "page": page,
        "cards": [_card(asset, visit) for asset in page.object_list],
        "sorts": SORTS,
        "sort": filterset.sort_key(),
        "searching": filterset.searching(),
        "query": request.GET.get("q", ""),
        "query_without_page": _query_without(request, "page"),
        "query_without_sort": _query_without(request, "sort", "page"),
    }
    return render(request, "catalog/catalog.html", context)


def _card(asset: Asset, last_visit) -> dict:
    changed = last_visit is not None and asset.updated_at > last_visit
    return {
        "asset": asset,
        "thumbnail": delivery.thumbnail_url(asset, 360, 270),
        "srcset": delivery.thumbnail_srcset(asset),
        "badge": ("New" if asset.created_at > last_visit else "Updated") if changed else "",
    }


@login_required
@require_GET
def detail(request, pk: int):
    """The asset page: preview, facts, versions, related assets and the download actions."""
    asset = get_object_or_404(
        selectors.catalog_queryset(request.user).select_related("current_version"), pk=pk)
    versions = list(asset.versions.all()[:20])
    last_version = selectors.last_downloaded_version(request.user, asset)
    context = {
        "asset": asset,
        "markets": list(asset.markets.all()),
        "versions": versions,
        "last_downloaded_version": last_version,
        "newer_than_downloaded": last_version is not None and last_version < asset.version,
        "presets": selectors.presets_for(asset),
        "related": [_card(a, None) for a in selectors.related_assets(request.user, asset)],
        "preview": delivery.preview_url(asset),
        "preview_srcset": delivery.preview_srcset(asset),
        "video": delivery.video_url(asset),
        "case_url": f"/cases/new/?asset={asset.pk}",
        "link_ttl_minutes": settings.DOWNLOAD_LINK_TTL // 60,
    }
    return render(request, "catalog/detail.html", context)


@never_cache
@login_required
@require_GET
def download(request, pk: int, preset: str):
    """Audit, then redirect to a signed, expiring Cloudinary link (bytes never pass here)."""
    asset = get_object_or_404(selectors.catalog_queryset(request.user), pk=pk)
    link = asset_download(user=request.user, asset=asset, preset=preset_for(asset, preset))
    return redirect(link.url)


@never_cache
@login_required
@require_POST
def download_zip(request):
    """Several selected assets as one ZIP from Cloudinary's archive API, audited per asset."""
    ids = ids_from(request.POST.getlist("asset"))
    assets = list(selectors.catalog_queryset(request.user).filter(pk__in=ids)[:1000])
    preset = None
    slug = request.POST.get("preset") or ORIGINAL
    if slug != ORIGINAL and assets:
        preset = preset_for(assets[0], slug)
    try:
        links = assets_download_zip(user=request.user, assets=assets, preset=preset)
    except DownloadError as error:
        messages.error(request, str(error))
        return redirect_next(request, request.POST.get("next"), "assets:catalog")
    if len(links) == 1:
        return redirect(links[0].url)
    return render(request, "catalog/zip_links.html", {"links": links, "count": len(assets)})
