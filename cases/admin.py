"""Django admin for cases (support also has its own pages: the queue and case threads)."""

from django.contrib import admin

from cases.models import Case, CaseCounter, Message, Notification


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["kind", "author", "body", "created_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-mostly: changes go through the case pages so they are audited and emailed."""

    list_display = ["reference", "subject", "partner", "status", "priority", "assignee",
                    "sla_due_at", "created_at"]
    list_filter = ["status", "category", "priority", "community"]
    search_fields = ["reference", "subject", "opener__email", "partner__name"]
    list_select_related = ["partner", "assignee"]
    readonly_fields = [f.name for f in Case._meta.fields]
    inlines = [MessageInline]

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["key", "kind", "recipient", "audience", "sent_at", "attempts", "created_at"]
    list_filter = ["kind", "audience", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["recipient", "key", "case__reference"]
    readonly_fields = [f.name for f in Notification._meta.fields]


admin.site.register(CaseCounter)
from cases import thread_admin  # noqa: E402,F401  (Trading Grid threads: #16)
