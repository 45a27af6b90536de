"""Admin for the content team: kits with their market dates, slots with market rules and
hand-picked fills (a searchable asset picker)."""

from django.contrib import admin

from launches.models import KitMarketDate, LaunchKit, Slot, SlotFill, SlotMarketRule


class KitMarketDateInline(admin.TabularInline):
    model = KitMarketDate
    extra = 0


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 0
    fields = ("position", "name", "required", "kind", "match_tag", "resource_type", "formats",
              "min_width", "min_height", "aspect_ratio", "max_bytes", "min_white_percent",
              "preset")
    show_change_link = True


@admin.register(LaunchKit)
class LaunchKitAdmin(admin.ModelAdmin):
    list_display = ("name", "campaign", "go_live_at", "readiness", "published", "embargo")
    list_filter = ("published", "embargo", "campaign")
    search_fields = ("name", "campaign__name")
    filter_horizontal = ("markets", "communities", "owners")
    readonly_fields = ("readiness", "recomputed_at", "recompute_requested_at")
    inlines = [KitMarketDateInline, SlotInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        from django.db import transaction

        from launches.services import request_recompute

        transaction.on_commit(lambda: request_recompute([form.instance.pk]))


class SlotMarketRuleInline(admin.StackedInline):
    model = SlotMarketRule
    extra = 0


class SlotFillInline(admin.TabularInline):
    model = SlotFill
    extra = 0
    autocomplete_fields = ("asset",)
    readonly_fields = ("filled_by", "filled_at")


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    list_display = ("name", "kit", "required", "kind", "preset")
    list_filter = ("kit",)
    search_fields = ("name", "kit__name")
    inlines = [SlotMarketRuleInline, SlotFillInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        from django.db import transaction

        from launches.services import request_recompute

        transaction.on_commit(lambda: request_recompute([form.instance.kit_id]))
