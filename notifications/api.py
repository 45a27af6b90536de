"""REST API of the notification centre: a user's notices, and marking them read."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from notifications import services
from notifications.models import Notice
from portal.ids import MAX_ID


class NoticeSerializer(serializers.ModelSerializer):
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at", "unread"]
        read_only_fields = fields

    def get_unread(self, notice) -> bool:
        return notice.read_at is None


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
                                required=False, max_length=500,
                                help_text="absent: mark all read")


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()


class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = NoticeSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Notice.objects.none()
        rows = Notice.objects.filter(user=self.request.user)
        if self.request.query_params.get("unread") in ("1", "true"):
            rows = rows.unread()
        return rows

    @extend_schema(request=MarkReadSerializer, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.mark_read(request.user, data.validated_data.get("ids"))
        return Response({"marked": marked, "unread": services.unread_count(request.user)})
