from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from knox.models import AuthToken as KnoxAuthToken

from accounts.models import ApiToken, User

# knox registers its own token model, which accounts.ApiToken replaces (KNOX_TOKEN_MODEL).
if admin.site.is_registered(KnoxAuthToken):
    admin.site.unregister(KnoxAuthToken)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "last_login"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups",
                                    "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined", "last_catalog_visit")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",),
                             "fields": ("email", "password1", "password2")}),)


class ApiTokenInline(admin.TabularInline):
    """The user's API tokens on the user's admin page: listed, revocable (delete), never made."""

    model = ApiToken
    fields = ["name", "created", "expiry", "last_used"]
    readonly_fields = fields
    extra = 0
    can_delete = True
    verbose_name_plural = "API tokens (delete to revoke)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


UserAdmin.inlines = [*UserAdmin.inlines, ApiTokenInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Every API token: admins find and revoke them; keys exist only in their owners' hands."""

    list_display = ["name", "user", "created", "expiry", "last_used"]
    list_filter = ["expiry", "last_used"]
    search_fields = ["name", "user__email"]
    fields = ["name", "user", "created", "expiry", "last_used"]
    readonly_fields = fields
    list_select_related = ["user"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
