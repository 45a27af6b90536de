"""REST API of the catalog: assets (same FilterSet and visibility as the pages)."""

from datetime import UTC, datetime

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from assets import selectors
from assets.api_filters import ApiAssetFilter, FormatParameterHint
from assets.cloudinary import delivery
from assets.downloads import asset_download, preset_for
from assets.models import Asset, AssetVersion, DownloadPreset


class CatalogPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


class TermSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


_TERM_SCHEMA = {"type": "object", "properties": {"slug": {"type": "string"},
                                                 "name": {"type": "string"}},
                "required": ["slug", "name"]}


# Declared inline rather than as allOf + nullable, which OpenAPI 3.0 validators read as
# "never null".
@extend_schema_field({**_TERM_SCHEMA, "nullable": True, "readOnly": True})
class NullableTermField(serializers.Field):
    """A product line, campaign or kind as {slug, name}, or null."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, term):
        return {"slug": term.slug, "name": term.name}


class PresetSerializer(serializers.ModelSerializer):
    class Meta:
        model = DownloadPreset
        fields = ["slug", "name", "format", "transformation"]


class AssetVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssetVersion
        fields = ["version", "bytes", "format", "width", "height", "created_at"]


class AssetSerializer(serializers.ModelSerializer):
    product_line = NullableTermField()
    campaign = NullableTermField()
    kind = NullableTermField()
    markets = TermSerializer(many=True, read_only=True)
    orientation = serializers.CharField(read_only=True)
    thumbnail_url = serializers.SerializerMethodField()
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Asset
        fields = ["id", "public_id", "title", "description", "resource_type", "format",
                  "bytes", "width", "height", "orientation", "duration", "pages", "tags",
                  "product_line", "campaign", "kind", "markets", "version", "updated_at",
                  "thumbnail_url"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_thumbnail_url(self, asset) -> str | None:
        return delivery.thumbnail_url(asset, 480, 360)


class AssetDetailSerializer(AssetSerializer):
    current_version = AssetVersionSerializer(allow_null=True, read_only=True)
    preview_url = serializers.SerializerMethodField()
    presets = serializers.SerializerMethodField()

    class Meta(AssetSerializer.Meta):
        fields = AssetSerializer.Meta.fields + ["current_version", "preview_url", "presets"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_preview_url(self, asset) -> str | None:
        return delivery.preview_url(asset)

    @extend_schema_field(PresetSerializer(many=True))
    def get_presets(self, asset):
        return PresetSerializer(selectors.presets_for(asset), many=True).data


class DownloadLinkRequestSerializer(serializers.Serializer):
    preset = serializers.SlugField(help_text="slug of a download preset offered for the asset")


class DownloadLinkSerializer(serializers.Serializer):
    url = serializers.URLField()
    expires_at = serializers.DateTimeField(
        allow_null=True, help_text="null: a signed CDN link without an expiry token")
    preset = serializers.SlugField()
    version = serializers.IntegerField()


_NOT_FOUND = OpenApiResponse(
    inline_serializer("NotFound", {"detail": serializers.CharField()}),
    description="No such asset, or not visible to you (the same answer for both)")
_INVALID = OpenApiResponse(OpenApiTypes.OBJECT,
                           description="Invalid values: a list of messages per parameter")


@extend_schema(tags=["assets"])
@extend_schema_view(
    list=extend_schema(responses={200: AssetSerializer(many=True), 400: _INVALID}),
    retrieve=extend_schema(responses={200: AssetDetailSerializer, 404: _NOT_FOUND}),
)
class AssetViewSet(FormatParameterHint, viewsets.ReadOnlyModelViewSet):
    """Assets the caller may see, with the catalog's filters, search and sort."""

    filterset_class = ApiAssetFilter
    pagination_class = CatalogPagination
    lookup_value_converter = "int"

    def get_queryset(self):
        queryset = selectors.catalog_queryset(self.request.user).prefetch_related("markets")
        if self.action == "retrieve":
            queryset = queryset.select_related("current_version")
        return queryset

    def get_serializer_class(self):
        return AssetDetailSerializer if self.action == "retrieve" else AssetSerializer

    def _visible_asset(self, pk) -> Asset:
        return get_object_or_404(selectors.catalog_queryset(self.request.user), pk=pk)

    @extend_schema(responses={200: AssetVersionSerializer(many=True), 404: _NOT_FOUND},
                   filters=False)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def versions(self, request, pk=None):
        """Every version of the asset the portal has seen, newest first."""
        asset = self._visible_asset(pk)
        return Response(AssetVersionSerializer(asset.versions.all(), many=True).data)

    @extend_schema(request=DownloadLinkRequestSerializer,
                   responses={201: DownloadLinkSerializer, 400: _INVALID, 404: _NOT_FOUND},
                   filters=False)
    @action(detail=True, methods=["post"], url_path="download-links", filter_backends=[])
    def download_links(self, request, pk=None):
        """Create a signed link to download the asset through a preset (audited)."""
        asset = self._visible_asset(pk)
        body = DownloadLinkRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        preset = preset_for(asset, body.validated_data["preset"])
        link = asset_download(user=request.user, asset=asset, preset=preset)
        expires = datetime.fromtimestamp(link.expires_at, UTC) if link.expires_at else None
        data = {"url": link.url, "expires_at": expires, "preset": preset.slug,
                "version": asset.version}
        return Response(DownloadLinkSerializer(data).data, status=status.HTTP_201_CREATED)
