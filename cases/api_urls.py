"""REST API routes of the cases app (included under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from cases.api import CaseViewSet, MessageViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")

messages = MessageViewSet.as_view({"get": "list", "post": "create"})

urlpatterns = [
    *router.urls,
    path("cases/<int:case_pk>/messages/", messages, name="case-messages"),
]
