"""The review of a version in the admin: approved and proposed side by side, what changed."""

from django.conf import settings
from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.urls import reverse

from assets.models import Asset, AssetVersion, ReviewState


def review_context(asset: Asset, *, can_decide: bool) -> dict:
    """The approved and the proposed version side by side, with what changed."""
    from assets.cloudinary import delivery

    proposed = asset.current_version
    approved = asset.approved_version
    if proposed is None:
        return {}
    pending = proposed.review_state == ReviewState.PENDING and not asset.retired
    return {
        "asset": asset,
        "proposed": proposed,
        "approved": approved if approved and approved.pk != proposed.pk else None,
        "pending": pending,
        "can_decide": can_decide and pending,
        "can_withdraw": can_decide and proposed.review_state == ReviewState.APPROVED,
        "proposed_preview": _safe(delivery.preview_url, asset, 960, master=True),
        "proposed_full": _safe(delivery.master_original_url, asset),
        "approved_preview": _safe(delivery.preview_url, asset, 960)
        if approved and approved.pk != proposed.pk else None,
        "changes": version_changes(approved, proposed) if approved else [],
        "review_url": reverse("admin:assets_asset_review", args=[asset.pk, proposed.pk]),
        "ack_days": settings.COMPLIANCE_ACK_DAYS,
    }


def _safe(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Exception:  # a preview must never break the review page
        return None


def version_changes(before: AssetVersion, after: AssetVersion) -> list[tuple[str, str, str]]:
    """(what, approved, proposed) for every fact that differs between two versions."""
    rows = []
    if (before.width, before.height) != (after.width, after.height):
        rows.append(("Dimensions", f"{before.width}×{before.height}",
                     f"{after.width}×{after.height}"))
    if before.bytes != after.bytes:
        rows.append(("File size", filesizeformat(before.bytes), filesizeformat(after.bytes)))
    for name, label in (("format", "Format"), ("duration", "Duration"), ("pages", "Pages")):
        if getattr(before, name) != getattr(after, name):
            rows.append((label, str(getattr(before, name) or "—"),
                         str(getattr(after, name) or "—")))
    if sorted(before.tags or []) != sorted(after.tags or []):
        rows.append(("Tags", ", ".join(sorted(before.tags or [])) or "—",
                     ", ".join(sorted(after.tags or [])) or "—"))
    for key in sorted(set(before.metadata or {}) | set(after.metadata or {})):
        old, new = (before.metadata or {}).get(key), (after.metadata or {}).get(key)
        if old != new:
            rows.append((f"Metadata: {key}", str(old if old is not None else "—"),
                         str(new if new is not None else "—")))
    return rows


class AwaitingReviewFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("waiting", "Awaiting review"), ("new_version", "New version of an approved "
                                                                "asset")]

    def queryset(self, request, queryset):
        waiting = queryset.filter(current_version__review_state=ReviewState.PENDING,
                                  retired=False)
        if self.value() == "waiting":
            return waiting
        if self.value() == "new_version":
            return waiting.filter(approved_version__isnull=False)
        return queryset


def set_due_date_from(request, version: AssetVersion) -> None:
    """The approval form's optional acknowledgement due date (kept by `compliance`; the admin
    composes both apps). A bad date raises ValidationError before anything is approved."""
    from datetime import date

    from django.core.exceptions import ValidationError

    raw = (request.POST.get("ack_due_on") or "").strip()
    if not raw:
        return
    from compliance.services import AcknowledgementError, approval_due_date_set

    try:
        approval_due_date_set(version=version, due_on=date.fromisoformat(raw),
                              actor=request.user)
    except ValueError:
        raise ValidationError("Enter the due date as YYYY-MM-DD.")
    except AcknowledgementError as error:
        raise ValidationError(str(error))
