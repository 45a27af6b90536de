"""REST API routes of the assets app (included under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from assets.api import AssetViewSet

router = SimpleRouter(use_regex_path=False)
router.register("assets", AssetViewSet, basename="asset")

urlpatterns: list = [
    *router.urls,
]
