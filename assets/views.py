"""Partner pages of the catalog: browse and search, the asset page, downloads, API tokens."""

from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.roles import is_brand_staff
from assets import selectors
from assets.cloudinary import delivery
from assets.downloads import (
    ORIGINAL,
    DownloadError,
    asset_download,
    assets_download_zip,
    grant_from,
    preset_for,
    zip_preset_for,
)
from assets.filters import FACETS, GLOBAL_MARKET, REVIEW_STATES, SORTS, AssetFilter
from assets.html import facets_html
from assets.models import Asset
from assets.paging import KnownPage
from assets.search import suggest_queries
from communities.visibility import rule_and_memberships, rule_for
from portal.ids import ids_from
from portal.middleware import no_time_zone
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
    """Search and facets over what the user may see; the state lives in the URL.

    Opened bare (from the menu), a partner's catalog starts from the markets of its
    communities and the global assets (those that name no market); any query string, even
    just a sort, is a choice the partner made, so "Clear all filters" shows everything.
    """
    staff = is_brand_staff(request.user)
    if not request.GET and not staff:
        markets = selectors.partner_market_slugs(request.user)
        if markets:
            query = urlencode([("market", m) for m in [*markets, GLOBAL_MARKET]])
            return redirect(f"{request.path}?{query}")
    # One card per family of a master and its locale variants (staff sorting out review
    # states see every asset on its own).
    rule = rule_for(request.user)
    visible = selectors.catalog_queryset(request.user, rule)
    families = None if staff and request.GET.get("review") else selectors.family_index(visible)
    base = selectors.catalog_heads(visible, families)
    memo: dict = {}  # the results and every facet share one spelling check (SQLite)
    filterset = AssetFilter(request.GET, queryset=base, request=request, search_memo=memo,
                            families=families)
    size = _page_size(request)
    wanted = selectors.PageSlice(offset=(_page_number(request) - 1) * size, limit=size,
                                 ordering=filterset.ordering())
    # The facet statement reads much of what the user sees: driven from the grants (broad).
    facets, total = selectors.facet_counts(
        request.GET, selectors.catalog_heads(selectors.catalog_queryset(
            request.user, rule, broad=True), families),
        memo, families=families, request=request, page=wanted)
    results = filterset.qs
    if total is not None:
        # counted and paged with the facets: no COUNT(*), and the page's rows by their ids
        results = KnownPage(total, wanted, base)
    page = Paginator(results, size).get_page(request.GET.get("page"))
    corrected = _spelling_redirect(request, filterset, base, page)
    if corrected:
        return corrected
    visit = request.user.last_catalog_visit
    fresh = selectors.newly_visible_ids(request.user, visit, [a.pk for a in page.object_list],
                                        rule) if not staff else set()
    _stamp_visit(request.user, visit)
    families = selectors.family_cards(request.user, list(page.object_list), visible, families)
    context = {
        "filter": filterset,
        "facets": facets,
        "facets_html": facets_html(facets, staff=staff,
                                   review_states=REVIEW_STATES.items() if staff else (),
                                   review=request.GET.get("review", "")),
        "page": page,
        "cards": [_card(asset, visit, staff, asset.pk in fresh, families.get(asset.pk))
                  for asset in page.object_list],
        "staff": staff,
        "review_states": list(REVIEW_STATES.items()) if staff else [],
        "review": request.GET.get("review", ""),
        "sorts": SORTS,
        "sort": filterset.sort_key(),
        "searching": filterset.searching(),
        "query": request.GET.get("q", ""),
        "typed": request.GET.get("typed", ""),
        "query_as_typed": _as_typed(request),
        "query_without_page": _query_without(request, "page"),
        "query_without_sort": _query_without(request, "sort", "page"),
        "zip_presets": selectors.zip_presets(),
        "empty": empty_state(request, filterset, base) if not page.object_list else None,
    }
    return render(request, "catalog/catalog.html", context)


# "New since your last visit" has this grain: a partner paging through the catalog writes
# their user row once a minute, not on every page (one UPDATE and commit less per request).
VISIT_GRAIN = timedelta(minutes=1)


def _stamp_visit(user, visit) -> None:
    now = timezone.now()
    if visit is None or now - visit >= VISIT_GRAIN:
        User.objects.filter(pk=user.pk).update(last_catalog_visit=now)


def _as_typed(request) -> str:
    """The query string of the search as the partner typed it (no spelling correction)."""
    if not request.GET.get("typed"):
        return ""
    data = request.GET.copy()
    data["q"], data["as_typed"] = data.pop("typed")[-1], "1"
    data.pop("page", None)
    return data.urlencode()


def _spelling_redirect(request, filterset, base, page):
    """A search that found nothing shows the results of its closest spelling instead
    ("pakaging" -> "packaging"), saying so, with a link to search as typed: the fallback
    for the typos the database's own matching misses (PostgreSQL's trigram threshold).
    Only from the first page, once (`typed` marks the corrected search), never when the
    partner asked for the words as typed."""
    if page.object_list or page.number > 1 or not filterset.searching():
        return None
    if request.GET.get("typed") or request.GET.get("as_typed"):
        return None
    typed = request.GET.get("q", "")
    for text in suggest_queries(base, typed)[:1]:
        data = request.GET.copy()
        data["q"], data["typed"] = text, typed
        data.pop("page", None)
        return redirect(f"{request.path}?{data.urlencode()}")
    return None


def _page_number(request) -> int:
    try:
        return max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        return 1


def empty_state(request, filterset, base) -> dict:
    """A way forward from no results: spelling suggestions, filters to drop, a case."""
    removable = []
    for name in FACETS + ("language", "review"):
        for value in request.GET.getlist(name):
            data = request.GET.copy()
            data.setlist(name, [v for v in data.getlist(name) if v != value])
            data.pop("page", None)
            removable.append({"label": f"{filterset.filters[name].label}: {value}",
                              "query": data.urlencode() or "sort=newest"})
    suggestions = []
    if filterset.searching():
        for text in suggest_queries(base, request.GET.get("q", "")):
            data = request.GET.copy()
            data["q"] = text
            data.pop("page", None)
            suggestions.append({"text": text, "query": data.urlencode()})
    return {"removable": removable, "suggestions": suggestions}


def _card(asset: Asset, last_visit, staff: bool = False, fresh: bool = False,
          family=None) -> dict:
    """A result card: what partners get (staff: the master until a version is released).

    A master with locale variants shows the member for the partner's market and language
    (`family`: selectors.FamilyCard), says which one it is, and lists the family's locales.
    """
    chosen = family.choice.asset if family else asset
    master = staff and not chosen.release_public_id
    shown = chosen.approved_version if not master else chosen.current_version
    card = card_image(chosen, shown, master=master)
    card["badge"] = ("Updated" if shown and shown.number > 1 else "New") if fresh else ""
    card["state"] = staff_state(chosen) if staff else ""
    card["variant_label"] = family.choice.label if family and not family.choice.is_master else ""
    card["locales"] = family.locales if family else []
    return card


def card_image(asset: Asset, shown=None, *, master: bool = False) -> dict:
    """What every asset card shows (catalog, related, home): the whole image, letterboxed
    into the grid's 4:3 tile, with `width`/`height` of its own shape."""
    shown = shown or asset.approved_version or asset
    width, height = delivery.fitted_size(shown.width or asset.width,
                                         shown.height or asset.height)
    return {
        "asset": asset,
        "shown": shown,
        "thumbnail": delivery.thumbnail_url(asset, *delivery.THUMBNAIL_BOX, master=master),
        "srcset": "" if master else delivery.thumbnail_srcset(asset),
        "width": width,
        "height": height,
        "badge": "",
    }


def staff_state(asset: Asset) -> str:
    """The badge staff see on a card: why partners do not get it, or that a review waits."""
    if asset.retired:
        return "Retired"
    if asset.approval_state != "approved":
        return asset.get_approval_state_display()
    if asset.current_version_id and asset.current_version_id != asset.approved_version_id:
        return "New version pending"
    return ""


@login_required
@require_GET
def detail(request, pk: int):
    """The asset page: preview, facts, versions, related assets and the download actions."""
    asset = get_object_or_404(selectors.catalog_queryset(request.user), pk=pk)
    staff = is_brand_staff(request.user)
    master = staff and not asset.release_public_id
    shown = (asset.current_version if master else asset.approved_version)
    versions = selectors.versions_for(request.user, asset)
    last_version = selectors.last_downloaded_version(request.user, asset)
    context = {
        "asset": asset,
        "shown": shown,
        "staff": staff,
        "review_states": list(REVIEW_STATES.items()) if staff else [],
        "review": request.GET.get("review", ""),
        "staff_state": staff_state(asset) if staff else "",
        "markets": list(asset.markets.all()),
        "versions": versions,
        "downloaded": next((v for v in versions if v.version == last_version), None),
        "last_downloaded_version": last_version,
        "newer_than_downloaded": bool(last_version and shown and last_version < shown.version),
        "offers": selectors.preset_offers(request.user, asset) if asset.release_public_id
        else [],
        "family": _family_rows(request.user, asset, staff),
        "related": [_card(a, None, staff)
                    for a in selectors.related_assets(request.user, asset)],
        "preview": delivery.preview_url(asset, master=master),
        "preview_srcset": "" if master else delivery.preview_srcset(asset),
        "video": delivery.video_url(asset, master=master),
        "case_url": f"/cases/new/?asset={asset.pk}",
        "back_url": catalog_back_url(request),
        "link_ttl_minutes": settings.DOWNLOAD_LINK_TTL // 60,
    }
    return render(request, "catalog/detail.html", context)


def _family_rows(user, asset: Asset, staff: bool) -> list[dict]:
    """The master and the locale variants `user` may see, for the asset page's "Languages"
    list (empty for an asset without variants)."""
    from assets.variants import family_for, master_of

    members = family_for(user, asset)
    if len(members) < 2:
        return []
    master = master_of(asset)
    return [{"asset": m, "is_master": m.pk == master.pk, "current": m.pk == asset.pk,
             "label": selectors.language_label(m.locale) if m.locale else "Original",
             "version": m.approved_version, "state": staff_state(m) if staff else ""}
            for m in members]


def catalog_back_url(request) -> str:
    """"← Catalog" returns to the search the partner came from (its filters and page); the
    catalog script remembers it across asset-to-asset hops, this covers the first one."""
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    catalog_path = reverse("assets:catalog")
    same_site = not referer.netloc or referer.netloc == request.get_host()
    if same_site and referer.path == catalog_path and referer.query:
        return f"{catalog_path}?{referer.query}"
    return catalog_path


@no_time_zone
@never_cache
@login_required
@require_GET
def download(request, pk: int, preset: str):
    """Audit, then redirect to a signed, expiring Cloudinary link (bytes never pass here)."""
    # The user's memberships, read once: the rule's communities and the audit's attribution.
    rule, memberships = rule_and_memberships(request.user, published_to=[pk])
    # Only what the link and the audit event need: each joined table cost the planner more
    # than the statement's execution (issue #17).
    asset = get_object_or_404(rule.apply(Asset.objects.select_related("approved_version")),
                              pk=pk)
    chosen = preset_for(asset, preset, request.user, rule=rule)
    link = asset_download(user=request.user, asset=asset, preset=chosen,
                          grant=grant_from(memberships))
    return redirect(link.url)


@no_time_zone
@never_cache
@login_required
@require_POST
def download_zip(request):
    """Several selected assets as one ZIP from Cloudinary's archive API, audited per asset."""
    ids = ids_from(request.POST.getlist("asset"))
    assets = list(selectors.catalog_queryset(request.user).filter(pk__in=ids)[:1000])
    try:
        preset = zip_preset_for(assets, request.POST.get("preset") or ORIGINAL, request.user)
        link = assets_download_zip(user=request.user, assets=assets, preset=preset)
    except DownloadError as error:
        messages.error(request, str(error))
        return redirect_next(request, request.POST.get("next"), "assets:catalog")
    return redirect(link.url)
