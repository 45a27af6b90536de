"""Admin for compliance: which kinds are controlled and which block once overdue."""

from django.contrib import admin

from compliance.models import KindPolicy


@admin.register(KindPolicy)
class KindPolicyAdmin(admin.ModelAdmin):
    """Per kind; a kind without a row follows the settings."""

    list_display = ["kind", "controlled", "block_when_overdue"]
    list_editable = ["controlled", "block_when_overdue"]
