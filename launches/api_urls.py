"""REST API routes of the launches app (included under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from launches.api import LaunchKitViewSet

router = SimpleRouter()
router.register("launch-kits", LaunchKitViewSet, basename="launch-kit")

urlpatterns = router.urls
