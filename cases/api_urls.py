"""REST API routes of the cases app (included under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from cases.api import CaseViewSet, MessageViewSet
from cases.rendering_api import RenderingReportCreateView, RenderingReportDetailView

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")

messages = MessageViewSet.as_view({"get": "list", "post": "create"})

urlpatterns = [
    *router.urls,
    path("cases/<int:case_pk>/messages/", messages, name="case-messages"),
    path("rendering-reports/", RenderingReportCreateView.as_view(), name="rendering-reports"),
    path("cases/<int:case_pk>/rendering-report/", RenderingReportDetailView.as_view(),
         name="case-rendering-report"),
]
