"""Admin for download presets: how partners may download assets (size, format, for which kinds)."""

from django.contrib import admin

from assets.models import DownloadPreset


@admin.register(DownloadPreset)
class DownloadPresetAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "transformation", "format", "resource_types_display",
                    "kinds_display", "position", "active"]
    list_editable = ["position", "active"]
    list_filter = ["active", "format"]
    search_fields = ["name", "slug", "transformation"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["kinds"]
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
                           "leave both empty to offer the preset for every asset.",
        }),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("kinds")

    @admin.display(description="Resource types")
    def resource_types_display(self, preset) -> str:
        return ", ".join(preset.resource_types or []) or "all"

    @admin.display(description="Kinds")
    def kinds_display(self, preset) -> str:
        return ", ".join(kind.name for kind in preset.kinds.all()) or "all"
