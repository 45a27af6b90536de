"""REST API of rendering-quality feedback (#15): partners report how a size rendered;
everyone who may read the case reads the report and its fixes."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import rendering, selectors
from cases.rendering_models import DeviceClass, RenderingFix, RenderingProblem, RenderingReport
from cases.serializers import CaseSerializer
from cases.services import CaseError, CaseNotFound
from portal.ids import MAX_ID


class RenderingReportCreateSerializer(serializers.Serializer):
    asset = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    preset = serializers.SlugField(max_length=50, help_text="the size, e.g. mobile-640")
    problem = serializers.ChoiceField(choices=RenderingProblem.choices)
    body = serializers.CharField(max_length=10_000)
    device_class = serializers.ChoiceField(choices=DeviceClass.choices, required=False,
                                           allow_blank=True, default="")
    viewport_width = serializers.IntegerField(min_value=1, max_value=20_000, required=False,
                                              allow_null=True, default=None)
    viewport_height = serializers.IntegerField(min_value=1, max_value=20_000, required=False,
                                               allow_null=True, default=None)
    page_url = serializers.URLField(max_length=1000, required=False, allow_blank=True,
                                    default="")


class RenderingFixSerializer(serializers.ModelSerializer):
    class Meta:
        model = RenderingFix
        fields = ["id", "kind", "preset_slug", "transformation", "after_transformation",
                  "community", "before_coordinates",
                  "after_coordinates", "before_bytes", "before_width", "before_height",
                  "before_format", "after_bytes", "after_width", "after_height",
                  "after_format", "regenerated_presets", "created_at"]
        read_only_fields = fields


class RenderingReportSerializer(serializers.ModelSerializer):
    case = CaseSerializer(read_only=True)
    fixes = serializers.SerializerMethodField()

    class Meta:
        model = RenderingReport
        fields = ["id", "case", "problem", "preset_slug", "delivered_transformation",
                  "delivered_format", "device_class", "viewport_width", "viewport_height",
                  "page_url", "created_at", "fixes"]
        read_only_fields = fields

    @extend_schema(responses=RenderingFixSerializer(many=True))
    def get_fixes(self, report) -> list[dict]:
        fixes = RenderingFix.objects.filter(case_id=report.case_id).order_by("created_at")
        return RenderingFixSerializer(fixes, many=True).data


class RenderingReportCreateView(APIView):
    """Open a *Rendering quality* case about one size of an asset you can see."""

    @extend_schema(request=RenderingReportCreateSerializer,
                   responses={201: RenderingReportSerializer})
    def post(self, request):
        incoming = RenderingReportCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        try:
            case = rendering.rendering_report_open(opener=request.user,
                                                   preset_slug=data.pop("preset"), **data)
        except CaseNotFound as exc:
            raise NotFound(str(exc))
        except CaseError as exc:
            raise ValidationError({"detail": str(exc)})
        return Response(RenderingReportSerializer(case.rendering_report).data,
                        status=status.HTTP_201_CREATED)


class RenderingReportDetailView(APIView):
    """The rendering report of a case you may read, with the fixes made from it."""

    @extend_schema(responses=RenderingReportSerializer)
    def get(self, request, case_pk: int):
        case = get_object_or_404(selectors.cases_for(request.user), pk=case_pk)
        report = get_object_or_404(RenderingReport, case=case)
        return Response(RenderingReportSerializer(report).data)
