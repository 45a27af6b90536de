"""REST API: the signed-in user's communities (read-only)."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets

from communities.filters import CommunityFilter
from communities.models import Community, Membership, Partner
from communities.selectors import user_communities


class PartnerSerializer(serializers.ModelSerializer):
    """A partner organisation as Trading Grid names it."""

    class Meta:
        model = Partner
        fields = ["id", "tg_company_id", "name"]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    """The requesting user's own membership of a community."""

    partner = PartnerSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["role", "state", "valid_from", "valid_until", "partner"]
        read_only_fields = fields


class CommunitySerializer(serializers.ModelSerializer):
    """A Trading Grid community the user belongs to, with the markets it serves."""

    markets = serializers.SlugRelatedField(many=True, read_only=True, slug_field="slug",
                                           help_text="Slugs of the markets it serves.")
    membership = serializers.SerializerMethodField(
        help_text="The requesting user's membership; null for brand staff without one.")

    class Meta:
        model = Community
        fields = ["id", "tg_id", "name", "kind", "description", "markets", "membership"]
        read_only_fields = fields

    @extend_schema_field(MembershipSerializer(allow_null=True))
    def get_membership(self, community: Community) -> dict | None:
        mine = getattr(community, "my_memberships", [])
        return MembershipSerializer(mine[0]).data if mine else None


@extend_schema_view(
    list=extend_schema(summary="The communities you belong to",
                       description="Communities in which you hold an active, currently valid "
                                   "membership (brand staff: every community)."),
    retrieve=extend_schema(summary="One of your communities",
                           description="404 when it is not one of yours, as when it does "
                                       "not exist."),
)
class CommunityViewSet(viewsets.ReadOnlyModelViewSet):
    """Read-only: communities come from Trading Grid."""

    serializer_class = CommunitySerializer
    filterset_class = CommunityFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Community.objects.none()
        user = self.request.user
        mine = Prefetch("memberships", to_attr="my_memberships",
                        queryset=Membership.objects.filter(user=user).select_related("partner"))
        return (user_communities(user).prefetch_related("markets", mine)
                .order_by("name", "pk"))
