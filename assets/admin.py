"""Admin for the catalog: the approval queue, each asset's story, and the sync page.

Download presets are registered in admin_presets.py. Mirrored fields are read-only here:
Cloudinary is the system of record; the content team decides approval only.
"""

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from assets import (
    admin_presets,  # noqa: F401
    services,
)
from assets.admin_review import AwaitingReviewFilter, review_context, set_due_date_from
from assets.models import (
    ApprovalState,
    Asset,
    AssetKind,
    AssetVersion,
    Campaign,
    CloudinaryNotification,
    Market,
    ProductLine,
    ReviewState,
    SyncRun,
)
from audit.admin_base import ReadOnlyAdmin

STATE_ACTIONS = ("asset.approved", "asset.rejected", "asset.retired", "asset.restored",
                 "asset.version_added", "asset.published", "asset.unpublished")


def _thumbnail(asset, width=120, height=90):
    try:
        from assets.cloudinary.delivery import thumbnail_url

        # Staff see the master until partners get a released copy.
        url = thumbnail_url(asset, width, height, master=not asset.release_public_id)
    except Exception:  # the preview must never break the admin page
        url = None
    if not url:
        return "—"
    return format_html('<img src="{}" alt="{}" width="{}" height="{}" loading="lazy" '
                       'style="object-fit:contain;background:#f3f3f3">', url,
                       asset.title or asset.public_id, width, height)


class AssetVersionInline(admin.TabularInline):
    model = AssetVersion
    fields = ("number", "version", "review_state", "reviewed_by", "reviewed_at", "review_reason",
              "format", "bytes", "width", "height", "created_at", "released_at", "release_error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    # Narrow enough for 1366 px with the sidebar: the approval state is never off-screen
    # (the public id sits under the title; campaign is a filter).
    list_display = ("preview", "title_and_public_id", "approval_state", "review_waiting",
                    "kind", "product_line", "market_list", "retired")
    list_display_links = ("title_and_public_id",)
    list_filter = (AwaitingReviewFilter, "approval_state", "kind", "product_line", "campaign",
                   "markets", "retired", "resource_type")
    search_fields = ("title", "public_id", "asset_id")
    list_select_related = ("kind", "product_line", "campaign")
    list_per_page = 50
    actions = ("approve_selected", "reject_selected")
    inlines = (AssetVersionInline,)
    change_form_template = "admin/assets/asset/change_form.html"
    fieldsets = (
        (None, {"fields": ("large_preview", "title", "description", "public_id", "asset_id",
                           "resource_type", "delivery_type", "asset_folder", "format",
                           "bytes", "width", "height", "version", "current_version",
                           "approved_version")}),
        ("Taxonomy", {"fields": ("kind", "product_line", "campaign", "market_list", "locale",
                                 "tags", "context", "metadata")}),
        ("Approval", {"fields": ("approval_state", "approval_by", "approval_at",
                                 "approval_reason", "moderation_push_pending", "retired",
                                 "retired_at")}),
        ("History", {"fields": ("state_history", "audit_trail")}),
        ("Mirror", {"classes": ("collapse",), "fields": (
            "cloudinary_created_at", "cloudinary_updated_at", "synced_at",
            "sync_fingerprint")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(
            "current_version", "approved_version").prefetch_related(
            Prefetch("markets", queryset=Market.objects.only("slug", "name")))

    @admin.display(description="Title", ordering="title")
    def title_and_public_id(self, obj):
        return format_html('{}<br><small class="public-id">{}</small>', obj.title, obj.public_id)

    @admin.display(description="Waiting")
    def review_waiting(self, obj):
        version = obj.current_version
        if obj.retired or version is None or version.review_state != ReviewState.PENDING:
            return "—"
        if obj.approved_version_id:
            return format_html('<span class="badge">{}</span>', "New version of an approved asset")
        return format_html('<span class="badge">{}</span>', "First version")

    def get_urls(self):
        return [path("<int:pk>/review/<int:version_pk>/",
                     self.admin_site.admin_view(self.review_view),
                     name="assets_asset_review"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A read-only page (no Save buttons) with the review of the newest version on top."""
        asset = self.get_object(request, object_id)
        extra = {"title": "Review asset", "show_save": False, "show_save_and_continue": False,
                 "show_save_and_add_another": False, "show_delete": False,
                 **(extra_context or {})}
        if asset is not None:
            extra["review"] = review_context(asset, can_decide=self.has_approve_permission(
                request))
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def review_view(self, request, pk, version_pk):
        """POST: approve or reject one version (a rejection needs a reason)."""
        from django.core.exceptions import PermissionDenied, ValidationError

        version = AssetVersion.objects.filter(pk=version_pk, asset_id=pk).first()
        target = reverse("admin:assets_asset_change", args=[pk])
        if request.method != "POST" or version is None:
            return HttpResponseRedirect(target)
        decision = request.POST.get("decision")
        state = {"approve": ApprovalState.APPROVED, "reject": ApprovalState.REJECTED}.get(
            decision)
        try:
            if state is None:
                raise ValidationError("Choose Approve or Reject.")
            with transaction.atomic():  # the due date and the approval, or neither
                if state == ApprovalState.APPROVED:
                    set_due_date_from(request, version)
                services.version_set_approval(version=version, state=state,
                                              actor=request.user,
                                              reason=request.POST.get("reason", ""))
        except (ValidationError, PermissionDenied) as error:
            text = " ".join(getattr(error, "messages", [str(error)]))
            self.message_user(request, text, messages.ERROR)
            return HttpResponseRedirect(target)
        word = "approved" if state == ApprovalState.APPROVED else "rejected"
        self.message_user(request, f"Version {version.number} {word}."
                          + (" Partners get it as soon as its protected copy is made."
                             if state == ApprovalState.APPROVED else ""), messages.SUCCESS)
        return HttpResponseRedirect(target)

    def get_readonly_fields(self, request, obj=None):
        return [f for fs in self.fieldsets for f in fs[1]["fields"]]

    def has_add_permission(self, request):
        return False  # assets come from Cloudinary

    def has_delete_permission(self, request, obj=None):
        return False  # retire, never delete: cases and the audit trail refer to assets

    def has_approve_permission(self, request):
        return (request.user.has_perm("assets.approve_asset")
                and services.can_approve(request.user))

    @admin.display(description="Preview")
    def preview(self, obj):
        return _thumbnail(obj, 80, 60)

    @admin.display(description="Preview")
    def large_preview(self, obj):
        return _thumbnail(obj, 480, 360)

    @admin.display(description="Markets")
    def market_list(self, obj):
        return ", ".join(m.slug for m in obj.markets.all()) or "—"

    def _events(self, obj, actions=None):
        from audit.selectors import events_for_asset

        events = events_for_asset(obj.pk)
        if actions:
            events = events.filter(action__in=actions)
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>v{}</td><td><code>{}</code></td></tr>",
            ((e.occurred_at.strftime("%Y-%m-%d %H:%M:%S"), e.action, e.actor_label,
              e.asset_version or "—", e.payload_text if hasattr(e, "payload_text") else e.payload)
             for e in events[:100]))
        return format_html('<table><thead><tr><th>When</th><th>What</th><th>Who</th>'
                           '<th>Version</th><th>Details</th></tr></thead><tbody>{}</tbody>'
                           '</table>', rows) if rows else "—"

    @admin.display(description="State history")
    def state_history(self, obj):
        return self._events(obj, STATE_ACTIONS)

    @admin.display(description="Audit trail (latest 100)")
    def audit_trail(self, obj):
        return self._events(obj)

    @admin.action(description="Approve selected assets", permissions=["approve"])
    def approve_selected(self, request, queryset):
        return self._decide(request, queryset, ApprovalState.APPROVED)

    @admin.action(description="Reject selected assets", permissions=["approve"])
    def reject_selected(self, request, queryset):
        return self._decide(request, queryset, ApprovalState.REJECTED)

    def _decide(self, request, queryset, state):
        """First a confirmation page with an optional reason; then the decision."""
        if request.POST.get("confirm") == "yes":
            changed = services.asset_set_approval(
                assets=queryset, state=state, actor=request.user,
                reason=request.POST.get("reason", ""))
            self.message_user(request, f"{len(changed)} asset(s) {state}; Cloudinary will be "
                                       f"updated shortly.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": f"{'Approve' if state == ApprovalState.APPROVED else 'Reject'} assets",
            "assets": queryset.select_related("kind")[:200],
            "count": queryset.count(),
            "state": state,
            "action": request.POST.get("action"),
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/assets/asset/approval_confirmation.html",
                                context)


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    change_list_template = "admin/assets/syncrun/change_list.html"
    list_display = ("__str__", "kind", "state", "progress_bar", "seen", "total", "created",
                    "updated", "unchanged", "retired", "api_calls", "attempts", "started_at",
                    "finished_at", "error_summary")
    list_filter = ("kind", "state")

    @admin.display(description="Progress")
    def progress_bar(self, obj):
        percent = obj.progress
        if percent is None:
            return "—"
        return format_html('<progress max="100" value="{}" aria-label="{}% done"></progress> '
                           '{}%', percent, percent, percent)

    @admin.display(description="Why it failed")
    def error_summary(self, obj):
        return obj.error[:120]

    def get_urls(self):
        return [path("start-full/", self.admin_site.admin_view(self.start_full),
                     name="assets_syncrun_start_full"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra = {"can_start_sync": services.can_approve(request.user),
                 "running": SyncRun.objects.filter(state=SyncRun.State.RUNNING).first(),
                 **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def start_full(self, request):
        """POST: queue a full sync (content team only)."""
        if request.method != "POST" or not services.can_approve(request.user):
            self.message_user(request, "Only the content team can start a sync.",
                              messages.ERROR)
        else:
            from assets.tasks import sync_assets_full

            sync_assets_full.delay()
            self.message_user(request, "Full sync queued.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:assets_syncrun_changelist"))


@admin.register(CloudinaryNotification)
class CloudinaryNotificationAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "notification_type", "state", "received_at", "applied_at",
                    "outcome")
    list_filter = ("notification_type", "state")
    readonly_fields = ("dedupe_key", "notification_type", "payload", "signed_at",
                       "received_at", "state", "applied_at", "attempts", "outcome")



@admin.register(ProductLine, AssetKind)
class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "auto_created")
    list_filter = ("auto_created",)
    search_fields = ("name", "slug")


@admin.register(Market)
class MarketAdmin(TaxonomyAdmin):
    list_display = ("name", "slug", "region", "language", "auto_created")


@admin.register(Campaign)
class CampaignAdmin(TaxonomyAdmin):
    list_display = ("name", "slug", "launch_date", "auto_created")
