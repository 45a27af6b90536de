"""Admin for download presets: how partners may download assets (size, format, for which kinds)."""

from django.contrib import admin

from assets.models import DownloadPreset


@admin.register(DownloadPreset)
class DownloadPresetAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "transformation", "format", "resource_types_display",
                    "kinds_display", "communities_display", "cloudinary_display", "position",
                    "active"]
    list_editable = ["position", "active"]
    list_filter = ["active", "format"]
    search_fields = ["name", "slug", "transformation"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["kinds"]
    readonly_fields = ["named_transformation", "synced_definition", "sync_error"]
    ordering = ["position", "name"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "active", "position"]}),
        ("What partners receive", {
            "fields": ["transformation", "format"],
            "description": "A Cloudinary transformation (e.g. <code>c_limit,w_1920</code>) and "
                           "an output format; both empty deliver the original file.",
        }),
        ("Offered for", {
            "fields": ["resource_types", "kinds"],
            "description": 'Resource types as a JSON list such as <code>["image"]</code>; '
                           "leave both empty to offer the preset for every asset. Give a "
                           "community its own presets on the community's page.",
        }),
        ("In Cloudinary", {
            "fields": ["named_transformation", "synced_definition", "sync_error"],
            "description": "Saving pushes the transformation to Cloudinary as the named "
                           "transformation <code>portal_&lt;slug&gt;</code> (allowed under "
                           "strict transformations).",
        }),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("kinds", "communities")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        from assets.presets import queue_transformation_sync

        queue_transformation_sync(obj)

    @admin.display(description="Communities")
    def communities_display(self, preset) -> str:
        return ", ".join(c.name for c in preset.communities.all()) or "everyone"

    @admin.display(description="Cloudinary")
    def cloudinary_display(self, preset) -> str:
        if not preset.transformation:
            return "original file"
        if preset.delivered_through_name:
            return f"t_{preset.named_transformation}"
        return "error: " + preset.sync_error[:60] if preset.sync_error else "pending"

    @admin.display(description="Resource types")
    def resource_types_display(self, preset) -> str:
        return ", ".join(preset.resource_types or []) or "all"

    @admin.display(description="Kinds")
    def kinds_display(self, preset) -> str:
        return ", ".join(kind.name for kind in preset.kinds.all()) or "all"
