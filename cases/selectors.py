"""Reads for the case pages and API: one place that applies the visibility rules."""

from django.db.models import Prefetch
from django.urls import NoReverseMatch, reverse

from assets.models import Asset, AssetVersion
from assets.search import search_assets
from cases.models import Case


def cases_for(user):
    """The cases `user` may read, with what list pages show (no N+1)."""
    return Case.objects.for_user(user).select_related(
        "asset", "opener", "partner", "assignee", "community")


def case_for(user, ref: str) -> Case | None:
    """One readable case by reference (CASE-2026-00042) or primary key; None otherwise."""
    qs = cases_for(user).select_related("asset_version", "resolution_version",
                                        "resolution_asset__approved_version")
    lookup = {"pk": int(ref)} if ref.isdigit() else {"reference": ref.upper()}
    return qs.filter(**lookup).first()


def open_cases_on(user, asset) -> list[Case]:
    """The still-open cases on `asset` that `user` can read (theirs, or their organisation's
    when they administer it), newest first, so the open form can say one exists."""
    return list(cases_for(user).open().filter(asset=asset).order_by("-created_at")[:5])


def thread_for(user, case: Case):
    """The messages of `case` that `user` may read (partners never get internal notes)."""
    return (case.messages.visible_to(user).select_related("author", "tg_post")
            .prefetch_related(Prefetch("referenced_assets", queryset=Asset.objects.only(
                "pk", "title", "public_id")), "attachments"))


def attachment_for(user, case: Case, pk: int):
    """One attachment of `case` on a message `user` may read; None otherwise."""
    from cases.models import CaseAttachment, Message

    readable = Message.objects.filter(case=case).visible_to(user).values("pk")
    return CaseAttachment.objects.filter(case=case, pk=pk, message_id__in=readable).first()


def resolution_candidates(case: Case, query: str, limit: int = 15) -> list[Asset]:
    """Assets (with versions) support may resolve `case` with: only what the opener can see,
    matching `query` — or, without one, the case's own asset."""
    base = Asset.objects.visible_to(case.opener)
    if query.strip():
        assets = search_assets(base, query)
    elif case.asset_id:
        assets = base.filter(pk=case.asset_id)
    else:
        return []
    versions = Prefetch("versions", queryset=AssetVersion.objects.order_by("-version"))
    return list(assets.prefetch_related(versions)[:limit])


def asset_url(asset_id: int) -> str:
    try:
        return reverse("assets:detail", args=[asset_id])
    except NoReverseMatch:
        return f"/assets/{asset_id}/"


def download_url(asset_id: int, preset: str = "original") -> str:
    """The catalog's download route (it checks visibility and audits the download)."""
    try:
        return reverse("assets:download", args=[asset_id, preset])
    except NoReverseMatch:
        return f"/assets/{asset_id}/download/{preset}/"
