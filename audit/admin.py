"""The read-only audit admin: filters, search, chain status, CSV export of what is shown."""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import HttpResponseBadRequest, HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit import export
from audit.actions import ACTIONS
from audit.admin_base import ReadOnlyAdmin
from audit.models import ChainVerification, Event
from audit.verify import verify_chain


class ActionFilter(admin.SimpleListFilter):
    title = "action"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return [(action, action) for action in sorted(ACTIONS)]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class ActorFilter(admin.SimpleListFilter):
    """System actors by name, people at large, or one person (?actor=user:<id>)."""

    title = "actor"
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        systems = (Event.objects.exclude(actor_system="").order_by("actor_system")
                   .values_list("actor_system", flat=True).distinct())
        choices = [("people", "People (any user)")]
        choices += [(f"system:{name}", f"{name} (system)") for name in systems]
        value = self.value() or ""
        if value.startswith("user:") and value[5:].isdigit():
            label = (Event.objects.filter(actor_user_id=int(value[5:]))
                     .values_list("actor_label", flat=True).first())
            choices.append((value, label or value))
        return choices

    def queryset(self, request, queryset):
        value = self.value() or ""
        if value == "people":
            return queryset.filter(actor_user_id__isnull=False)
        if value.startswith("system:"):
            return queryset.filter(actor_system=value[7:])
        if value.startswith("user:") and value[5:].isdigit():
            return queryset.filter(actor_user_id=int(value[5:]))
        return queryset


class _LabelledIdFilter(admin.SimpleListFilter):
    """Filter on a plain id column, listing each id with its latest recorded label."""

    id_field = label_field = ""

    def lookups(self, request, model_admin):
        rows = (Event.objects.exclude(**{f"{self.id_field}__isnull": True})
                .values(self.id_field).annotate(label=Max(self.label_field))
                .order_by("label"))
        return [(str(row[self.id_field]), row["label"] or f"#{row[self.id_field]}")
                for row in rows]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(**{self.id_field: int(value)})
        return queryset


class PartnerFilter(_LabelledIdFilter):
    title = "partner organisation"
    parameter_name = "partner"
    id_field, label_field = "partner_id", "partner_label"


class CommunityFilter(_LabelledIdFilter):
    title = "community"
    parameter_name = "community"
    id_field, label_field = "community_id", "community_label"


class AssetFilter(admin.SimpleListFilter):
    """Shown when the changelist is opened for one asset (?asset=<id>, e.g. from its page)."""

    title = "asset"
    parameter_name = "asset"

    def lookups(self, request, model_admin):
        value = self.value()
        if not (value and value.isdigit()):
            return []
        return [(value, f"Asset #{value}")]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(asset_id=int(value)) if value and value.isdigit() else queryset


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """Read-only: nobody adds, changes or deletes audit events, superusers included."""

    change_list_template = "admin/audit/event/change_list.html"
    list_display = ("sequence", "occurred_at", "action", "actor_display", "target_label",
                    "target_type", "asset_id", "asset_version", "community_label",
                    "partner_label")
    list_display_links = ("sequence",)
    list_filter = (ActionFilter, ActorFilter, AssetFilter, PartnerFilter, CommunityFilter,
                   ("occurred_at", admin.DateFieldListFilter))
    date_hierarchy = "occurred_at"
    search_fields = ("target_label", "actor_label", "partner_label", "community_label",
                     "request_id")
    search_help_text = "Label, actor email, partner, community or request id; a number also "\
                       "matches the event, asset or target id."
    ordering = ("-sequence",)
    show_full_result_count = False
    actions = None
    list_per_page = 100

    @admin.display(description="actor", ordering="actor_label")
    def actor_display(self, event):
        return event.actor_display

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Event._meta.fields] + ["payload_text"]

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term.isdigit():
            number = int(term)
            results |= queryset.filter(asset_id=number) | queryset.filter(sequence=number)
            results |= queryset.filter(target_id=term)
        return results, may_have_duplicates

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export.csv", view(self.export_view), name="audit_event_export"),
            path("verify/", view(require_POST(self.verify_view)), name="audit_event_verify"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}),
                         "last_verification": ChainVerification.objects.first(),
                         "export_query": request.GET.urlencode()}
        return super().changelist_view(request, extra_context)

    def export_view(self, request):
        """The changelist's current selection (filters and search) as CSV, streamed."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("Unknown filter in the query string.")
        events = changelist.queryset.order_by("sequence")
        response = StreamingHttpResponse(export.csv_lines(events), content_type="text/csv")
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return response

    def verify_view(self, request):
        """Walk the whole chain now and keep the outcome (it takes a few seconds per 100k)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        result = verify_chain(save=True)
        level = messages.SUCCESS if result.ok and result.triggers_installed else messages.ERROR
        text = result.describe()
        if not result.triggers_installed:
            text += " The append-only triggers are missing or disabled."
        self.message_user(request, text, level)
        return HttpResponseRedirect(reverse("admin:audit_event_changelist"))


@admin.register(ChainVerification)
class ChainVerificationAdmin(ReadOnlyAdmin):
    list_display = ("ran_at", "ok", "checked", "first_broken_sequence", "head_sequence", "reason")
    list_filter = ("ok",)

