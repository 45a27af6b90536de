"""Serializers of a case as the API shows it (shared by the viewset and its actions)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases import selectors
from cases.models import Case


class ResolutionSerializer(serializers.Serializer):
    kind = serializers.CharField(source="resolution_kind")
    asset = serializers.IntegerField(source="resolution_asset_id", allow_null=True)
    version = serializers.IntegerField(source="resolution_version.version", allow_null=True,
                                       default=None)
    link = serializers.CharField(source="resolution_link")
    note = serializers.CharField(source="resolution_note")
    download_url = serializers.SerializerMethodField()
    # download_url serves the version partners get (the newest approved one), which may
    # differ from `version`
    download_version = serializers.IntegerField(
        source="resolution_asset.approved_version.version", allow_null=True, default=None)
    resolved_at = serializers.DateTimeField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download_url(self, case):
        if not case.resolution_asset_id:
            return None
        return selectors.download_url(case.resolution_asset_id)


class CaseSerializer(serializers.ModelSerializer):
    asset_version = serializers.IntegerField(source="asset_version.version", allow_null=True,
                                             default=None, read_only=True)
    partner = serializers.CharField(source="partner.name", read_only=True)
    community = serializers.CharField(source="community.name", allow_null=True, default=None,
                                      read_only=True)
    opener = serializers.EmailField(source="opener.email", read_only=True)
    assignee = serializers.EmailField(source="assignee.email", allow_null=True, default=None,
                                      read_only=True)
    resolution = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["id", "reference", "subject", "category", "status", "priority", "asset",
                  "asset_version", "partner", "community", "opener", "opened_by_portal",
                  "assignee", "sla_due_at", "resolution", "created_at", "updated_at"]
        read_only_fields = fields

    # Inline (not a component) so the schema can say "an object or null" in OpenAPI 3.0.
    @extend_schema_field({"type": "object", "nullable": True, "properties": {
        "kind": {"type": "string", "enum": Case.ResolutionKind.values},
        "asset": {"type": "integer", "nullable": True},
        "version": {"type": "integer", "nullable": True},
        "link": {"type": "string"}, "note": {"type": "string"},
        "download_url": {"type": "string", "nullable": True},
        "download_version": {"type": "integer", "nullable": True},
        "resolved_at": {"type": "string", "format": "date-time", "nullable": True}}})
    def get_resolution(self, case) -> dict | None:
        return ResolutionSerializer(case).data if case.resolution_kind else None
