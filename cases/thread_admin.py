"""Admin for case threads on Trading Grid: support reads why a thread is held, operators
watch the outbox, and the content team turns thread creation on per community."""

from django.contrib import admin

from cases.thread_models import CaseThread, CommunityThreadSetting, ThreadOutbox, ThreadPost


class ThreadPostInline(admin.TabularInline):
    model = ThreadPost
    extra = 0
    fields = ["seq", "tg_post_id", "direction", "author_member_id", "message", "note"]
    readonly_fields = fields
    can_delete = False


@admin.register(CaseThread)
class CaseThreadAdmin(admin.ModelAdmin):
    """Read-only: threads change through Trading Grid events and the case pages."""

    list_display = ["tg_thread_id", "title", "community", "case", "origin", "remote_status",
                    "held_reason", "last_seq", "synced_at"]
    list_filter = ["origin", "remote_status", "community"]
    search_fields = ["tg_thread_id", "title", "case__reference", "held_reason"]
    readonly_fields = [f.name for f in CaseThread._meta.fields]
    inlines = [ThreadPostInline]

    def has_add_permission(self, request):
        return False


@admin.register(ThreadOutbox)
class ThreadOutboxAdmin(admin.ModelAdmin):
    """Posts owed to Trading Grid and how their delivery went."""

    list_display = ["idempotency_key", "thread", "kind", "attempts", "next_attempt_at",
                    "sent_at", "last_error"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    readonly_fields = [f.name for f in ThreadOutbox._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(CommunityThreadSetting)
class CommunityThreadSettingAdmin(admin.ModelAdmin):
    list_display = ["community", "open_threads_for_portal_cases"]
    list_editable = ["open_threads_for_portal_cases"]
