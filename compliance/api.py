"""REST API of compliance: acknowledgements (list, acknowledge) and the currency report."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import is_brand_staff
from assets.models import Asset
from compliance import selectors, services
from compliance.models import Acknowledgement
from portal.ids import MAX_ID


class AcknowledgementSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number", read_only=True)
    partner = serializers.CharField(source="partner.name", read_only=True)
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Acknowledgement
        fields = ["id", "asset", "version", "partner", "state", "requested_at", "due_at",
                  "acknowledged_at", "overdue"]
        read_only_fields = fields


class AcknowledgeSerializer(serializers.Serializer):
    asset = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    version = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                       help_text="the version number you work from")


class AcknowledgementViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your organisations' acknowledgement requests (staff: all)."""

    serializer_class = AcknowledgementSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Acknowledgement.objects.none()
        rows = Acknowledgement.objects.select_related("version", "partner").order_by("-pk")
        if not is_brand_staff(self.request.user):
            rows = rows.filter(partner_id__in=services._partner_ids(self.request.user))
        state = self.request.query_params.get("state")
        if state:
            if state not in Acknowledgement.State.values:
                raise ValidationError({"state": f"One of {', '.join(Acknowledgement.State)}."})
            rows = rows.filter(state=state)
        return rows

    @extend_schema(request=AcknowledgeSerializer, responses={201: AcknowledgementSerializer})
    def create(self, request):
        data = AcknowledgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            ack = services.acknowledge(user=request.user, asset=data.validated_data["asset"],
                                       number=data.validated_data.get("version"))
        except services.AcknowledgementError as exc:
            raise ValidationError({"detail": str(exc)})
        return Response(AcknowledgementSerializer(ack).data, status=status.HTTP_201_CREATED)


class CurrencyRowSerializer(serializers.Serializer):
    partner_id = serializers.IntegerField()
    partner = serializers.CharField()
    last_downloaded_version = serializers.IntegerField(allow_null=True)
    current_version = serializers.IntegerField()
    on_current = serializers.BooleanField()
    acknowledgement = serializers.CharField(allow_null=True)
    overdue = serializers.BooleanField()
    status = serializers.CharField()


class CurrencyView(APIView):
    """Which organisations work from an asset's current version (staff: all; partner
    admins: their own organisation)."""

    @extend_schema(responses=CurrencyRowSerializer(many=True))
    def get(self, request, asset_pk: int):
        asset = Asset.objects.filter(pk=asset_pk).select_related("approved_version").first()
        if asset is None or asset.approved_version_id is None:
            raise NotFound("No such asset.")
        staff = is_brand_staff(request.user)
        if not staff and not Asset.objects.visible_to(request.user).filter(pk=asset_pk).exists():
            raise NotFound("No such asset.")
        partners = None if staff else services._partner_ids(request.user)
        if partners is not None and not partners:
            raise PermissionDenied("Only members of a partner organisation see this.")
        rows = selectors.currency(asset, partner_ids=partners)
        return Response(CurrencyRowSerializer(rows, many=True).data)


class AssetCurrencyRowSerializer(CurrencyRowSerializer):
    asset_id = serializers.IntegerField()
    asset = serializers.CharField()


class CommunityCurrencyView(APIView):
    """Staff: the currency report of one community (every asset its organisations received
    there or must acknowledge). Partners get a 404, as on the page."""

    @extend_schema(responses=AssetCurrencyRowSerializer(many=True))
    def get(self, request, community_pk: int):
        from communities.models import Community

        community = Community.objects.filter(pk=community_pk).first() \
            if community_pk <= MAX_ID else None
        if community is None or not is_brand_staff(request.user):
            raise NotFound("No such community.")
        rows = selectors.community_currency(community)
        return Response(AssetCurrencyRowSerializer(rows, many=True).data)


class MyCurrencyView(APIView):
    """A partner's own organisations: the version they work from of every file they received
    that the user can see (the first PARTNER_REPORT_LIMIT by title)."""

    @extend_schema(responses=AssetCurrencyRowSerializer(many=True))
    def get(self, request):
        partners = services._partner_ids(request.user)
        if not partners:
            raise PermissionDenied("Only members of a partner organisation see this.")
        rows = selectors.partner_currency(request.user, partners)
        return Response(AssetCurrencyRowSerializer(rows, many=True).data)
