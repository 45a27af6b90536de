"""A read-only ModelAdmin: records written by the portal itself (events, sync runs, feeds)."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Look, don't touch: no add, change or delete, for anyone (superusers included)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
