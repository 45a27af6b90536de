"""Admin: communities and memberships (mirrored, read-only), publications (content team).

Also adds "Publish to a community…" to the Asset admin's bulk actions. assets/admin.py
belongs to the catalog; rather than edit it, this module appends the action to the
registered Asset ModelAdmin's `actions` (assets is installed before communities, so its
admin module is imported first by autodiscovery).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse

from assets.models import Asset
from audit.admin_base import ReadOnlyAdmin
from communities.models import (
    Community,
    DirectorySync,
    Invitation,
    Membership,
    Partner,
    PresetOverride,
    Publication,
    TradingGridEvent,
)
from communities.publishing import (
    market_mismatches,
    publication_mismatches,
    publication_preview,
)
from communities.services import (
    LANGUAGE_TAG,
    community_set_defaults,
    publication_create,
    publication_create_many,
    publication_delete,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "partner", "role", "state", "valid_from", "valid_until", "source"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class CommunityDefaultsForm(forms.ModelForm):
    """The two things the content team adjusts on a mirrored community."""

    languages_text = forms.CharField(
        label="Default languages", required=False,
        help_text="BCP 47 tags, best first, comma-separated (e.g. ja-JP, en). They win over "
                  "Trading Grid's. Empty: the languages Trading Grid gives the community, "
                  "then those of its markets.")

    class Meta:
        model = Community
        fields = ["presets"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["languages_text"].initial = ", ".join(self.instance.languages or [])

    def clean_languages_text(self):
        tags = [t.strip() for t in self.cleaned_data["languages_text"].split(",") if t.strip()]
        bad = [t for t in tags if not LANGUAGE_TAG.match(t)]
        if bad:
            raise ValidationError(f"Not a language tag: {', '.join(bad)} (e.g. de-DE, ja).")
        return tags


@admin.register(Community)
class CommunityAdmin(ReadOnlyAdmin):
    """Mirrored from Trading Grid (read-only) except the content team's defaults: languages
    and the community's own download presets."""

    list_display = ["name", "tg_id", "kind", "languages_display", "active", "synced_at"]
    list_filter = ["kind", "active", "markets"]
    search_fields = ["name", "tg_id"]
    inlines = [MembershipInline]
    form = CommunityDefaultsForm
    filter_horizontal = ["presets"]
    readonly_fields = ["tg_id", "name", "kind", "description", "markets_display",
                       "tg_languages_display", "active", "synced_at"]
    fieldsets = [
        (None, {"fields": readonly_fields}),
        ("Defaults (content team)", {"fields": ["languages_text", "presets"]}),
    ]

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("communities.change_community")

    @admin.display(description="Markets")
    def markets_display(self, community) -> str:
        return ", ".join(f"{m.name} ({m.language or '-'})" for m in community.markets.all())

    @admin.display(description="Trading Grid languages")
    def tg_languages_display(self, community) -> str:
        return ", ".join(community.tg_languages or []) or "-"

    @admin.display(description="Languages")
    def languages_display(self, community) -> str:
        if community.languages:
            return ", ".join(community.languages)
        if community.tg_languages:
            return ", ".join(community.tg_languages) + " (Trading Grid)"
        return "from markets"

    def save_model(self, request, obj, form, change):
        community_set_defaults(community=obj, languages=form.cleaned_data["languages_text"],
                               presets=form.cleaned_data["presets"], actor=request.user)

    def save_related(self, request, form, formsets, change):
        """The presets were saved by the service (audited); the inline is read-only."""


@admin.register(Partner)
class PartnerAdmin(ReadOnlyAdmin):
    list_display = ["name", "tg_company_id", "synced_at"]
    search_fields = ["name", "tg_company_id"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "community", "partner", "role", "state", "valid_from",
                    "valid_until", "source"]
    list_filter = ["community", "role", "state", "source"]
    search_fields = ["user__email", "partner__name", "community__name"]
    list_select_related = ["user", "community", "partner"]


class PublicationForm(forms.ModelForm):
    """One asset, or a rule naming at least one of product line / campaign / market / kind."""

    class Meta:
        model = Publication
        fields = ["community", "asset", "product_line", "campaign", "market", "kind"]

    def clean(self):
        cleaned = super().clean()
        rule = [cleaned.get(f) for f in ("product_line", "campaign", "market", "kind")]
        if (cleaned.get("asset") is None) == (not any(rule)):
            raise ValidationError("Choose either a single asset, or at least one of product "
                                  "line, campaign, market and kind for a rule — not both.")
        return cleaned

    def validate_unique(self):
        pass  # publishing what is already published returns the existing publication


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    """Add a single-asset or rule publication; withdrawing one is a delete. Both audited."""

    form = PublicationForm
    list_display = ["__str__", "community", "asset", "product_line", "campaign", "market",
                    "kind", "published_by", "published_at"]
    list_filter = ["community", "product_line", "campaign", "market", "kind"]
    list_select_related = ["community", "asset", "product_line", "campaign", "market", "kind",
                           "published_by"]
    raw_id_fields = ["asset"]
    search_fields = ["community__name", "asset__title", "asset__public_id"]
    date_hierarchy = "published_at"

    def has_change_permission(self, request, obj=None):
        return False  # a publication is published or withdrawn, never edited

    def add_view(self, request, form_url="", extra_context=None):
        """"Preview" (a second submit button) shows what the publication would expose and
        any market warning, and keeps the form filled in; nothing is saved."""
        if request.method == "POST" and "_preview" in request.POST:
            form = PublicationForm(request.POST)
            if form.is_valid():
                draft = Publication(**form.cleaned_data)
                extra_context = {**(extra_context or {}), **_preview_context(draft)}
                request.GET = request.POST.copy()  # the admin's initial data, from the draft
                request.GET.pop("csrfmiddlewaretoken", None)
                request.GET.pop("_preview", None)
                request.method = "GET"
        return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        publication = self.get_object(request, object_id)
        if publication is not None:
            extra_context = {**(extra_context or {}), **_preview_context(publication)}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        publication = publication_create(
            community=data["community"], actor=request.user, asset=data.get("asset"),
            product_line=data.get("product_line"), campaign=data.get("campaign"),
            market=data.get("market"), kind=data.get("kind"))
        obj.pk, obj.published_at, obj.published_by = (
            publication.pk, publication.published_at, publication.published_by)
        for mismatch in publication_mismatches(publication):
            messages.warning(request, _mismatch_text(mismatch, publication.community))

    def delete_model(self, request, obj):
        publication_delete(publication=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for publication in queryset.select_related("community", "asset"):
            publication_delete(publication=publication, actor=request.user)


def _mismatch_text(mismatch, community) -> str:
    covered = ", ".join(sorted(str(m) for m in community.markets.all()))
    return (f"Check the markets: {mismatch.subject} is for {', '.join(mismatch.markets)}, "
            f"but {community} covers {covered}. Published anyway; withdraw it if this "
            "was a mistake.")


def _preview_context(publication: Publication) -> dict:
    return {"publication_preview": publication_preview(publication),
            "publication_mismatches": publication_mismatches(publication),
            "publication_draft": publication}


@admin.register(TradingGridEvent)
class TradingGridEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "community_tg_id", "member_email", "state",
                    "received_at", "applied_at"]
    list_filter = ["type", "state"]
    search_fields = ["event_id", "member_email", "community_tg_id"]


@admin.register(DirectorySync)
class DirectorySyncAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "state", "started_at", "finished_at"]
    list_filter = ["state"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "community", "partner", "invited_by", "created_at", "expires_at",
                    "accepted_at", "revoked_at"]
    list_filter = ["community"]
    search_fields = ["email"]


# -- bulk publishing from the Asset admin ---------------------------------------------------


class ChooseCommunityForm(forms.Form):
    community = forms.ModelChoiceField(queryset=Community.objects.filter(active=True))


@admin.action(description="Publish to a community…", permissions=["publish_to_community"])
def publish_to_community(modeladmin, request, queryset):
    """Intermediate page: choose the community, then publish every selected approved asset."""
    if not request.user.has_perm("communities.add_publication"):
        modeladmin.message_user(request, "You may not publish assets.", messages.ERROR)
        return None
    form = ChooseCommunityForm(request.POST if "apply" in request.POST else None)
    mismatches = []
    if form.is_valid():
        publishable = queryset.approved()
        mismatches = market_mismatches(form.cleaned_data["community"],
                                       publishable.prefetch_related("markets"))
    if form.is_valid() and (not mismatches or "confirm_markets" in request.POST):
        created = publication_create_many(community=form.cleaned_data["community"],
                                          assets=publishable, actor=request.user)
        skipped = queryset.count() - publishable.count()
        modeladmin.message_user(
            request, f"Published {created} asset(s) to {form.cleaned_data['community']}"
                     + (f"; {skipped} not approved or retired, skipped." if skipped else "."),
            messages.SUCCESS)
        return None
    # A market mismatch (a US-only asset to EU Retailers) is a warning, not a block: the
    # page comes back with the assets named and a "Publish anyway" button.
    context = {**modeladmin.admin_site.each_context(request), "form": form,
               "assets": queryset, "opts": modeladmin.model._meta, "mismatches": mismatches,
               "community": form.cleaned_data["community"] if mismatches else None,
               "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
               "title": "Publish to a community"}
    return TemplateResponse(request, "communities/admin/publish_to_community.html", context)


def _can_publish(request) -> bool:
    return request.user.has_perm("communities.add_publication")


def install_asset_action(site=admin.site) -> bool:
    """Append the action to the registered Asset admin; False when Asset is not registered."""
    asset_admin = site._registry.get(Asset)
    if asset_admin is None:
        return False
    if publish_to_community not in (asset_admin.actions or ()):
        asset_admin.actions = [*(asset_admin.actions or ()), publish_to_community]
    asset_admin.has_publish_to_community_permission = _can_publish
    return True


install_asset_action()


@admin.register(PresetOverride)
class PresetOverrideAdmin(admin.ModelAdmin):
    """A community's own definition of a preset (made from a rendering case, #15). Read
    only here; "Revert to the global preset" removes it in Cloudinary and the portal
    (`assets.preset_changes.override_revert`: derivatives invalidated, named
    transformation deleted, audited, downloaders notified)."""

    list_display = ["preset", "community", "transformation", "name", "updated_at"]
    list_select_related = ["preset", "community"]
    list_filter = ["community"]
    actions = ["revert_to_global"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a bare delete would leave the named transformation in Cloudinary

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Revert to the global preset for the selected communities")
    def revert_to_global(self, request, queryset):
        from assets import preset_changes
        from assets.cloudinary import CloudinaryError
        from assets.rendering import RenderingError

        for override in list(queryset.select_related("preset", "community")):
            preset, community = override.preset, override.community
            try:
                revert = preset_changes.override_revert(
                    preset=preset, community=community, actor=request.user,
                    reason="admin", save=False)
            except (RenderingError, CloudinaryError) as exc:
                self.message_user(request, f"{override}: {exc}", messages.ERROR)
                continue
            event = preset_changes.override_revert_save(
                preset=preset, community=community, actor=request.user, asset=None,
                revert=revert, reason="admin")
            preset_changes.override_revert_notify(preset=preset, community=community,
                                                  key=f"rendering-revert:{event.pk}")
            self.message_user(request, f"{community.name} gets the global {preset.name} "
                                       f"again ({len(revert.invalidated)} derivatives purged).")
