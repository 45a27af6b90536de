"""REST API routes of the assets app (included under /api/v1/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from assets.api import AssetViewSet, MyTokenView

router = SimpleRouter(use_regex_path=False)
router.register("assets", AssetViewSet, basename="asset")

urlpatterns: list = [
    path("me/tokens/", MyTokenView.as_view(), name="api-my-tokens"),
    *router.urls,
]
