from rest_framework.routers import SimpleRouter

from notifications.api import NoticeViewSet

router = SimpleRouter()
router.register("notifications", NoticeViewSet, basename="notice")
urlpatterns = router.urls
