"""REST API of launch kits: partners list their kits and confirm; staff read readiness.

The same querysets and services as the pages: a partner sees only kits published to a
community they are a current member of (anything else is 404, as for a kit that does not
exist), confirms through `services.kit_confirm` (audited, per organisation); brand staff see
every kit and its stored readiness matrix (never computed on a request).
"""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.roles import is_brand_staff
from assets.api import NullableTermField, TermSerializer
from communities.models import Membership
from launches import selectors, services
from launches.models import CellState, KitConfirmation, LaunchKit, SlotStatus


class KitConfirmationSerializer(serializers.ModelSerializer):
    """An organisation's confirmation that it has the kit (stale: the kit changed since)."""

    partner = serializers.CharField(source="partner.name", read_only=True)
    confirmed_by = serializers.SerializerMethodField()

    class Meta:
        model = KitConfirmation
        fields = ["partner", "confirmed_by", "confirmed_at", "stale"]
        read_only_fields = fields

    def get_confirmed_by(self, confirmation) -> str | None:
        return str(confirmation.confirmed_by) if confirmation.confirmed_by_id else None


class KitSerializer(serializers.ModelSerializer):
    """A launch kit: its campaign, markets and go-live."""

    campaign = TermSerializer(read_only=True)
    product_line = NullableTermField()
    markets = TermSerializer(many=True, read_only=True)
    days_to_go_live = serializers.IntegerField(read_only=True)
    readiness = serializers.SerializerMethodField(
        help_text="Percent of required slot × market cells that are ready; null for partners.")

    class Meta:
        model = LaunchKit
        fields = ["id", "name", "campaign", "product_line", "markets", "go_live_at",
                  "days_to_go_live", "readiness"]
        read_only_fields = fields

    def get_readiness(self, kit) -> int | None:
        return kit.readiness if self.context.get("staff") else None


class KitContentSerializer(serializers.Serializer):
    """One slot in one market: the asset partners get (null when none they can see yet)."""

    slot = serializers.IntegerField(source="slot.pk")
    slot_name = serializers.CharField(source="slot.name")
    required = serializers.BooleanField(source="slot.required")
    market = serializers.SlugField(source="market.slug")
    asset = serializers.IntegerField(source="asset.pk", allow_null=True, default=None)
    ready = serializers.BooleanField()


class KitDetailSerializer(KitSerializer):
    """A kit with what the caller's organisation gets of it and whether it confirmed."""

    contents = serializers.SerializerMethodField()
    confirmation = serializers.SerializerMethodField(
        help_text="Your organisation's confirmation; null before it confirms (and for staff).")

    class Meta(KitSerializer.Meta):
        fields = KitSerializer.Meta.fields + ["contents", "confirmation"]

    @extend_schema_field(KitContentSerializer(many=True))
    def get_contents(self, kit) -> list:
        if self.context.get("staff"):
            return []
        return KitContentSerializer(selectors.partner_contents(kit, self.context["user"]),
                                 many=True).data

    # Declared inline: allOf + nullable reads as "never null" to OpenAPI 3.0 validators.
    @extend_schema_field({"type": "object", "nullable": True, "properties": {
        "partner": {"type": "string"}, "confirmed_by": {"type": "string", "nullable": True},
        "confirmed_at": {"type": "string", "format": "date-time"},
        "stale": {"type": "boolean"}},
        "required": ["partner", "confirmed_by", "confirmed_at", "stale"]})
    def get_confirmation(self, kit) -> dict | None:
        confirmation = self.context.get("confirmation")
        return KitConfirmationSerializer(confirmation).data if confirmation else None


class KitCellSerializer(serializers.ModelSerializer):
    """One cell of the readiness matrix, as the last recompute stored it."""

    slot_name = serializers.CharField(source="slot.name", read_only=True)
    required = serializers.BooleanField(source="slot.required", read_only=True)
    market = serializers.SlugField(source="market.slug", read_only=True)
    state = serializers.ChoiceField(choices=CellState.choices, read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True, allow_null=True,
                                       default=None, help_text="the approved version counted")
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True,
                                    help_text='why the rule is not met, e.g. '
                                              '"1600×1600, needs ≥ 2000 px wide"')

    class Meta:
        model = SlotStatus
        fields = ["slot", "slot_name", "required", "market", "state", "asset", "version",
                  "reasons"]
        read_only_fields = fields


class KitAcknowledgementSerializer(serializers.Serializer):
    community = serializers.CharField()
    partner = serializers.CharField()
    # A plain string: a choice field named "status" collides with other enums in the schema.
    status = serializers.CharField(help_text='"confirmed", "asked again" (the kit changed '
                                             'since) or "not confirmed"')
    confirmed_at = serializers.DateTimeField(source="confirmation.confirmed_at",
                                             allow_null=True, default=None)


class KitPointSerializer(serializers.Serializer):
    taken_at = serializers.DateTimeField()
    readiness = serializers.IntegerField()


class KitReadinessSerializer(serializers.Serializer):
    """The stored readiness of a kit: matrix, confirmations, readiness over time."""

    kit = serializers.IntegerField(source="kit.pk")
    readiness = serializers.IntegerField(source="kit.readiness")
    recomputed_at = serializers.DateTimeField(source="kit.recomputed_at", allow_null=True)
    days_to_go_live = serializers.IntegerField(source="kit.days_to_go_live")
    cells = KitCellSerializer(many=True)
    acknowledgements = KitAcknowledgementSerializer(many=True)
    history = KitPointSerializer(many=True)


@extend_schema_view(
    list=extend_schema(summary="Launch kits",
                       description="Partners: the kits published to your communities. Brand "
                                   "staff: every kit, least ready and soonest first."),
    retrieve=extend_schema(summary="One launch kit",
                           description="With what your organisation gets of it and its "
                                       "confirmation. 404 when it is not published to one "
                                       "of your communities, as when it does not exist."),
)
class LaunchKitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = KitSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return LaunchKit.objects.none()
        user = self.request.user
        kits = selectors.kits_by_risk() if is_brand_staff(user) else (
            services.partner_kits(user).select_related("campaign").order_by("go_live_at", "pk"))
        return kits.select_related("product_line").prefetch_related(
            Prefetch("markets", queryset=LaunchKit.markets.rel.model.objects.order_by("name")))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "staff": is_brand_staff(self.request.user),
                "user": self.request.user}

    def get_serializer_class(self):
        return KitDetailSerializer if self.action == "retrieve" else KitSerializer

    def retrieve(self, request, *args, **kwargs):
        kit = self.get_object()
        context = self.get_serializer_context()
        if not context["staff"]:
            context["confirmation"] = _own_confirmation(kit, request.user)
        return Response(KitDetailSerializer(kit, context=context).data)

    @extend_schema(summary="Confirm we have the launch kit", request=None,
                   responses={200: KitConfirmationSerializer},
                   description="Your organisation confirms it has the kit as it stands "
                               "(audited). After a slot changes, the kit asks again; "
                               "confirming again replaces the old confirmation.")
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        kit = self.get_object()
        try:
            confirmation = services.kit_confirm(kit=kit, user=request.user)
        except services.KitError as exc:  # staff are in no community of the kit
            raise NotFound(str(exc))
        return Response(KitConfirmationSerializer(confirmation).data, status=status.HTTP_200_OK)

    @extend_schema(summary="Readiness of a kit (staff)",
                   responses={200: KitReadinessSerializer,
                              404: OpenApiResponse(description="Not brand staff, or no such "
                                                               "kit.")},
                   description="The market × slot matrix as the last recompute stored it, "
                               "each organisation's confirmation, readiness over time.")
    @action(detail=True, methods=["get"])
    def readiness(self, request, pk=None):
        if not is_brand_staff(request.user):
            raise NotFound("No such launch kit.")
        kit = self.get_object()
        cells = (SlotStatus.objects.filter(kit=kit)
                 .select_related("slot", "market", "version")
                 .order_by("slot__position", "slot_id", "market__name"))
        data = {"kit": kit, "cells": cells, "acknowledgements": selectors.acknowledgements(kit),
                "history": selectors.readiness_points(kit)}
        return Response(KitReadinessSerializer(data).data)


def _own_confirmation(kit, user):
    membership = (Membership.objects.current().filter(user=user, community__launch_kits=kit)
                  .order_by("pk").first())
    if membership is None:
        return None
    return (KitConfirmation.objects.filter(kit=kit, partner_id=membership.partner_id)
            .select_related("partner", "confirmed_by").first())
