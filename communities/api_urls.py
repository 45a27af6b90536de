"""REST API routes of the communities app (included under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from communities.api import CommunityViewSet

router = SimpleRouter()
router.register("communities", CommunityViewSet, basename="community")

urlpatterns = router.urls
