"""REST API of the catalog: assets (same FilterSet and visibility as the pages)."""

from datetime import UTC, datetime

from django.db import connection
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
from assets.models import Asset, AssetVersion, DerivativeFact, DownloadPreset
from assets.paging import KnownPage, ids_and_total
from communities.visibility import rule_for


class CatalogPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_known(self, queryset, listing, request, view=None):
        """`paginate_queryset`, with the total and the page's ids read in one statement of
        `listing` (the same filters and order; the rule driven from the grants) instead of
        a COUNT(*) and a page query that each evaluate the rule (issue #17); the page's
        rows are then read from `queryset` by id. `?page=last`, a page past the end or an
        empty result take the usual way."""
        size = self.get_page_size(request)
        try:
            number = int(request.query_params.get(self.page_query_param) or 1)
        except ValueError:
            number = 0
        if not size or number < 1:
            return super().paginate_queryset(queryset, request, view)
        wanted = selectors.PageSlice(offset=(number - 1) * size, limit=size,
                                     ordering=list(listing.query.order_by))
        wanted.ids, total = ids_and_total(listing, wanted.offset, size)
        if total is None:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        self.page = self.django_paginator_class(KnownPage(total, wanted, queryset),
                                                size).page(number)
        if self.page.paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        return list(self.page)


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


class DerivativeFactSerializer(serializers.ModelSerializer):
    """What a preset's derivative of this version really is (from Cloudinary)."""

    label = serializers.CharField(source="summary", read_only=True,
                                  help_text='e.g. "JPG · 1200 × 800 · ~180 KB"')

    class Meta:
        model = DerivativeFact
        fields = ["format", "width", "height", "bytes", "label"]


class PresetOfferSerializer(PresetSerializer):
    """A preset offered to the caller, with the real facts of its derivative when known."""

    facts = serializers.SerializerMethodField()
    community_only = serializers.SerializerMethodField()

    class Meta(PresetSerializer.Meta):
        fields = PresetSerializer.Meta.fields + ["community_only", "facts"]

    @extend_schema_field({"type": "object", "nullable": True, "properties": {
        "format": {"type": "string"}, "width": {"type": "integer", "nullable": True},
        "height": {"type": "integer", "nullable": True},
        "bytes": {"type": "integer", "nullable": True}, "label": {"type": "string"}},
        "required": ["format", "width", "height", "bytes", "label"],
        "description": "the derivative's real facts; null until Cloudinary generated it"})
    def get_facts(self, preset):
        fact = self.context.get("facts", {}).get(preset.pk)
        return DerivativeFactSerializer(fact).data if fact else None

    @extend_schema_field(serializers.BooleanField())
    def get_community_only(self, preset) -> bool:
        return preset.pk in self.context.get("community_presets", set())


class LocaleVariantSerializer(serializers.ModelSerializer):
    """A member of the asset's family (master or locale variant) the caller may see."""

    is_master = serializers.SerializerMethodField()
    version_number = serializers.IntegerField(source="approved_version.number", read_only=True,
                                              allow_null=True, default=None)
    version_label = serializers.CharField(source="approved_version.label", read_only=True,
                                          allow_null=True, default=None)

    class Meta:
        model = Asset
        fields = ["id", "title", "locale", "is_master", "approval_state", "version_number",
                  "version_label"]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_is_master(self, asset) -> bool:
        return not asset.master_id


class AssetVersionSerializer(serializers.ModelSerializer):
    """A version as partners read it: its number and date, and Cloudinary's own number."""

    number = serializers.IntegerField(read_only=True, help_text="1 for the first version")
    label = serializers.CharField(read_only=True, help_text='e.g. "Version 3 · 1 Dec 2026"')

    class Meta:
        model = AssetVersion
        fields = ["version", "number", "label", "bytes", "format", "width", "height",
                  "created_at"]


# What the API reports of an asset is the version the caller gets, never a newer one
# waiting for review.
VERSION_FACTS = ("format", "bytes", "width", "height", "duration", "pages")


class AssetSerializer(serializers.ModelSerializer):
    product_line = NullableTermField()
    campaign = NullableTermField()
    kind = NullableTermField()
    markets = TermSerializer(many=True, read_only=True)
    orientation = serializers.CharField(read_only=True)
    thumbnail_url = serializers.SerializerMethodField()
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    version_number = serializers.SerializerMethodField()
    version_label = serializers.SerializerMethodField()

    class Meta:
        model = Asset
        fields = ["id", "public_id", "title", "description", "resource_type", "format",
                  "bytes", "width", "height", "orientation", "duration", "pages", "tags",
                  "product_line", "campaign", "kind", "markets", "version", "version_number",
                  "version_label", "updated_at", "thumbnail_url"]
        read_only_fields = fields

    def to_representation(self, asset):
        data = super().to_representation(asset)
        shown = asset.approved_version
        if shown is not None:
            data.update({name: getattr(shown, name) for name in VERSION_FACTS})
            data["version"] = shown.version
            w, h = shown.width, shown.height
            data["orientation"] = "" if not (w and h) else (
                "square" if w == h else "landscape" if w > h else "portrait")
        return data

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_version_number(self, asset) -> int | None:
        return asset.approved_version.number if asset.approved_version else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_version_label(self, asset) -> str | None:
        return asset.approved_version.label if asset.approved_version else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_thumbnail_url(self, asset) -> str | None:
        return delivery.thumbnail_url(asset, 480, 360)


class AssetDetailSerializer(AssetSerializer):
    current_version = AssetVersionSerializer(
        source="approved_version", allow_null=True, read_only=True,
        help_text="the version the caller gets (the newest approved one)")
    preview_url = serializers.SerializerMethodField()
    presets = serializers.SerializerMethodField()
    locale = serializers.CharField(read_only=True, help_text="BCP 47; empty: not localized")
    master_id = serializers.IntegerField(read_only=True, allow_null=True,
                                         help_text="the master, when this is a locale variant")
    variants = serializers.SerializerMethodField()
    variant_for_you = serializers.SerializerMethodField()

    class Meta(AssetSerializer.Meta):
        fields = AssetSerializer.Meta.fields + ["current_version", "preview_url", "presets",
                                                "locale", "master_id", "variants",
                                                "variant_for_you"]
        read_only_fields = fields

    def _family(self, asset):
        if "family" not in self.context:
            from assets.variants import choose, family_for, master_of
            from communities.selectors import locale_preferences

            user = self.context["request"].user
            members = family_for(user, asset)
            prefs = locale_preferences(user)
            self.context["family"] = members
            self.context["choice"] = choose(members, master_of(asset), prefs.languages,
                                            prefs.market_ids)
        return self.context["family"], self.context["choice"]

    @extend_schema_field(LocaleVariantSerializer(many=True))
    def get_variants(self, asset):
        """The master and every locale variant the caller may see (one family)."""
        members, _ = self._family(asset)
        return LocaleVariantSerializer(members, many=True).data

    @extend_schema_field({"type": "object", "nullable": True, "properties": {
        "id": {"type": "integer"}, "locale": {"type": "string"},
        "reason": {"type": "string", "enum": ["language", "market", "master", "only"]},
        "label": {"type": "string"}}, "required": ["id", "locale", "reason", "label"]})
    def get_variant_for_you(self, asset):
        """The member chosen for the caller's market and language (the default download)."""
        _, choice = self._family(asset)
        if choice is None:
            return None
        return {"id": choice.asset.pk, "locale": choice.asset.locale,
                "reason": choice.reason, "label": choice.label}

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_preview_url(self, asset) -> str | None:
        return delivery.preview_url(asset)

    @extend_schema_field(PresetOfferSerializer(many=True))
    def get_presets(self, asset):
        """Global presets and the caller's communities' own, with their derivative's facts."""
        offers = selectors.preset_offers(self.context["request"].user, asset)
        presets = [preset for preset, _ in offers]
        context = {"facts": {p.pk: fact for p, fact in offers if fact},
                   "community_presets": set(DownloadPreset.communities.through.objects.filter(
                       downloadpreset_id__in=[p.pk for p in presets])
                       .values_list("downloadpreset_id", flat=True))}
        return PresetOfferSerializer(presets, many=True, context=context).data


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

    def get_queryset(self, broad: bool = False):
        if not hasattr(self, "_rule"):  # the user's communities, read once per request
            self._rule = rule_for(self.request.user)
        return selectors.catalog_queryset(self.request.user, self._rule,
                                          broad=broad).prefetch_related("markets")

    def paginate_queryset(self, queryset):
        # PostgreSQL only: elsewhere the rule has no grant-driven form, and a second filter
        # set would repeat the embedded search's spelling check
        if self.action != "list" or self.paginator is None or connection.vendor != "postgresql":
            return super().paginate_queryset(queryset)
        listing = self.filter_queryset(self.get_queryset(broad=True))
        return self.paginator.paginate_known(queryset, listing, self.request, view=self)

    def get_serializer_class(self):
        return AssetDetailSerializer if self.action == "retrieve" else AssetSerializer

    def _visible_asset(self, pk) -> Asset:
        return get_object_or_404(selectors.catalog_queryset(self.request.user), pk=pk)

    @extend_schema(responses={200: AssetVersionSerializer(many=True), 404: _NOT_FOUND},
                   filters=False)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def versions(self, request, pk=None):
        """The versions of the asset the caller may read, newest first (partners: approved)."""
        asset = self._visible_asset(pk)
        versions = selectors.versions_for(request.user, asset, limit=100)
        return Response(AssetVersionSerializer(versions, many=True).data)

    @extend_schema(request=DownloadLinkRequestSerializer,
                   responses={201: DownloadLinkSerializer, 400: _INVALID, 404: _NOT_FOUND},
                   filters=False)
    @action(detail=True, methods=["post"], url_path="download-links", filter_backends=[])
    def download_links(self, request, pk=None):
        """Create a signed link to download the asset through a preset (audited)."""
        asset = self._visible_asset(pk)
        body = DownloadLinkRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        preset = preset_for(asset, body.validated_data["preset"], request.user)
        link = asset_download(user=request.user, asset=asset, preset=preset)
        expires = datetime.fromtimestamp(link.expires_at, UTC) if link.expires_at else None
        data = {"url": link.url, "expires_at": expires, "preset": preset.slug,
                "version": asset.approved_version.version}
        return Response(DownloadLinkSerializer(data).data, status=status.HTTP_201_CREATED)
