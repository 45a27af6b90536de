"""REST API for cases and their messages: the same querysets and services as the pages.

Partners see their own (or, as partner admins, their organisation's) cases and never an
internal note; staff see every case. Creating goes through the services, so the API
opens, replies and audits exactly as the pages do.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from cases import selectors, services
from cases.api_actions import CaseActionsMixin
from cases.filters import CaseFilter
from cases.markdown import render_markdown
from cases.models import Case, Message
from cases.serializers import CaseSerializer
from portal.ids import MAX_ID
from portal.validators import no_control_characters


class CaseCreateSerializer(serializers.Serializer):
    asset = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                     allow_null=True, default=None,
                                     help_text="Omit for a report about a missing asset.")
    community = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False,
                                         allow_null=True, default=None,
                                         help_text="One of your communities; default: the "
                                                   "one that publishes the asset.")
    category = serializers.ChoiceField(choices=Case.Category.choices)
    subject = serializers.CharField(max_length=200, validators=[no_control_characters])
    body = serializers.CharField(max_length=20_000)
    priority = serializers.ChoiceField(choices=Case.Priority.choices,
                                       default=Case.Priority.NORMAL)


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    body_html = serializers.SerializerMethodField()
    referenced_assets = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Message
        fields = ["id", "kind", "author", "body", "body_html", "referenced_assets", "created_at"]
        read_only_fields = fields

    def get_author(self, message) -> str | None:
        return str(message.author) if message.author_id else None

    def get_body_html(self, message) -> str:
        return render_markdown(message.body)


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20_000)
    internal = serializers.BooleanField(default=False)
    referenced_assets = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False,
        default=list, max_length=20)


def _call(service, **kwargs):
    try:
        return service(**kwargs)
    except services.CaseNotFound as exc:
        raise NotFound(str(exc))
    except services.CaseError as exc:
        raise ValidationError({"detail": str(exc)})


class CaseViewSet(CaseActionsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Cases the caller may read; partners open new ones on assets they can see."""

    serializer_class = CaseSerializer
    filterset_class = CaseFilter

    def get_queryset(self):
        return (selectors.cases_for(self.request.user)
                .select_related("asset_version", "resolution_version",
                                "resolution_asset__approved_version")
                .order_by("-updated_at", "-pk"))

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseSerializer})
    def create(self, request, *args, **kwargs):
        incoming = CaseCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        case = _call(services.case_open, opener=request.user, **incoming.validated_data)
        return Response(CaseSerializer(self.get_queryset().get(pk=case.pk)).data,
                        status=status.HTTP_201_CREATED)


class MessageViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The thread of one case, as the caller may read it (no internal notes for partners)."""

    serializer_class = MessageSerializer
    pagination_class = None

    def get_case(self) -> Case:
        if not hasattr(self, "_case"):
            self._case = get_object_or_404(selectors.cases_for(self.request.user),
                                           pk=self.kwargs["case_pk"])
        return self._case

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        return selectors.thread_for(self.request.user, self.get_case())

    @extend_schema(request=MessageCreateSerializer, responses={201: MessageSerializer})
    def create(self, request, *args, **kwargs):
        incoming = MessageCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        message = _call(services.case_reply, case=self.get_case(), author=request.user,
                        body=data["body"], internal=data["internal"],
                        referenced_assets=data["referenced_assets"])
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)
