"""REST API of the caller's personal API tokens: list, create (key shown once), revoke."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.tokens import TokenRefused, api_token_create, api_token_revoke, tokens_of
from portal.validators import no_control_characters


class ApiTokenSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uid", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "created", "expiry", "last_used"]
        read_only_fields = fields


class NewApiTokenSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, validators=[no_control_characters])
    ttl_days = serializers.IntegerField(
        required=False, min_value=1, max_value=settings.API_TOKEN_MAX_TTL_DAYS,
        help_text=f"lifetime in days (default {settings.API_TOKEN_TTL_DAYS}, "
                  f"at most {settings.API_TOKEN_MAX_TTL_DAYS})")


class CreatedApiTokenSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True,
                                help_text="shown once; send as `Authorization: Token <key>`")

    class Meta(ApiTokenSerializer.Meta):
        fields = ["key", *ApiTokenSerializer.Meta.fields]
        read_only_fields = fields


_INVALID = OpenApiResponse(inline_serializer("ApiTokenInvalid", {
    "name": serializers.ListField(child=serializers.CharField(), required=False),
    "ttl_days": serializers.ListField(child=serializers.CharField(), required=False),
}), description="Invalid values: a list of messages per field")


@extend_schema(tags=["me"])
class MyTokensView(APIView):
    """The caller's personal API tokens (hashed at rest; each expires)."""

    @extend_schema(responses=ApiTokenSerializer(many=True))
    def get(self, request):
        return Response(ApiTokenSerializer(tokens_of(request.user), many=True).data)

    @extend_schema(request=NewApiTokenSerializer,
                   responses={201: CreatedApiTokenSerializer, 400: _INVALID})
    def post(self, request):
        body = NewApiTokenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            created = api_token_create(user=request.user, **body.validated_data)
        except TokenRefused as refusal:
            raise PermissionDenied(str(refusal))
        data = {"key": created.key, **ApiTokenSerializer(created.token).data}
        return Response(data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["me"])
class MyTokenView(APIView):
    """One of the caller's tokens."""

    @extend_schema(responses={204: None, 404: OpenApiResponse(description="No such token")})
    def delete(self, request, uid):
        if not api_token_revoke(user=request.user, uid=uid):
            return Response({"detail": "No such token."}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)
