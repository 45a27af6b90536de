"""Workflow actions on one case through the API: the same services and rules as the pages.

Partners may close and reopen the cases they can read; assigning, changing the status and
resolving are for support staff. A case the caller cannot read is a 404 whatever the
action; a staff action on a case a partner can read is a 403; a request the workflow
refuses (a transition, a passed reopen window, a resolution the opener cannot see) is a
400 with the service's message in `detail`.
"""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts.roles import is_brand_staff
from assets.models import Asset, AssetVersion
from cases import services
from cases.models import Case
from cases.serializers import CaseSerializer


class CaseActionErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


# 400s are either {"detail": "..."} (the workflow refused) or {"field": ["..."]} (bad input).
BAD_REQUEST = OpenApiResponse(
    response={"type": "object", "additionalProperties": {"oneOf": [
        {"type": "string"}, {"type": "array", "items": {"type": "string"}}]}},
    description="Bad input ({field: [messages]}) or a refused workflow step ({detail}).")
NOT_FOUND = OpenApiResponse(CaseActionErrorSerializer, description="No such case for the caller.")
FORBIDDEN = OpenApiResponse(CaseActionErrorSerializer,
                            description="Only support staff can do that.")


class AssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), allow_null=True,
        help_text="A member of staff's user id, or null to unassign.")


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Case.Status.choices,
        help_text="The new status; resolve through the `resolve` action instead.")
    note = serializers.CharField(required=False, default="", allow_blank=True,
                                 max_length=2000)


class ResolveSerializer(serializers.Serializer):
    resolution_kind = serializers.ChoiceField(choices=Case.ResolutionKind.choices)
    version = serializers.PrimaryKeyRelatedField(
        queryset=AssetVersion.objects.select_related("asset"), required=False,
        allow_null=True, default=None,
        help_text="The corrected AssetVersion's id (resolution_kind `version`).")
    replacement_asset = serializers.PrimaryKeyRelatedField(
        queryset=Asset.objects.all(), required=False, allow_null=True, default=None,
        help_text="The replacement asset's id (resolution_kind `replacement`).")
    link = serializers.CharField(required=False, default="", allow_blank=True, max_length=1000,
                                 help_text="A full http(s) link (resolution_kind `link`).")
    note = serializers.CharField(max_length=10_000, help_text="The note to the partner.")


def _responses(*, staff_only: bool) -> dict:
    responses = {200: CaseSerializer, 400: BAD_REQUEST, 404: NOT_FOUND}
    if staff_only:
        responses[403] = FORBIDDEN
    return responses


class CaseActionsMixin:
    """`POST /cases/<pk>/<action>/` for the case workflow; every answer is the case."""

    def _act(self, service, *, staff_only: bool, incoming=None, **kwargs) -> Response:
        case = self.get_object()  # 404 unless the caller can read the case
        if staff_only and not is_brand_staff(self.request.user):
            raise PermissionDenied("Only support staff can do that.")
        data = {}
        if incoming is not None:
            incoming = incoming(data=self.request.data)
            incoming.is_valid(raise_exception=True)
            data = incoming.validated_data
        try:
            service(case=case, actor=self.request.user, **data, **kwargs)
        except services.CaseError as exc:  # CaseNotFound included: the case itself is readable
            raise ValidationError({"detail": str(exc)})
        return Response(CaseSerializer(self.get_queryset().get(pk=case.pk)).data)

    @extend_schema(summary="Assign the case (staff)", request=AssignSerializer,
                   description="Give the case to a member of staff, or to nobody (null).",
                   responses=_responses(staff_only=True))
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return self._act(services.case_assign, staff_only=True, incoming=AssignSerializer)

    @extend_schema(summary="Change the status (staff)", request=StatusSerializer,
                   description="Moving a resolved or closed case to in_progress reopens it.",
                   responses=_responses(staff_only=True))
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        return self._act(services.case_set_status, staff_only=True, incoming=StatusSerializer)

    @extend_schema(summary="Resolve the case (staff)", request=ResolveSerializer,
                   description="With a corrected version, a replacement asset or a link, and "
                               "a note. What is linked must be visible to the case's opener.",
                   responses=_responses(staff_only=True))
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._act(services.case_resolve, staff_only=True, incoming=ResolveSerializer)

    @extend_schema(summary="Close the case", request=None,
                   description="Staff, or a partner who can read the case.",
                   responses=_responses(staff_only=False))
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(services.case_close, staff_only=False)

    @extend_schema(summary="Reopen the case", request=None,
                   description="Staff, or a partner who can read the case, within "
                               "CASE_REOPEN_WINDOW_DAYS of its resolution or closing.",
                   responses=_responses(staff_only=False))
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._act(services.case_reopen, staff_only=False)
