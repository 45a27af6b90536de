from django.urls import path
from rest_framework.routers import SimpleRouter

from compliance.api import AcknowledgementViewSet, CurrencyView

router = SimpleRouter()
router.register("acknowledgements", AcknowledgementViewSet, basename="acknowledgement")
urlpatterns = [*router.urls,
               path("assets/<int:asset_pk>/currency/", CurrencyView.as_view(),
                    name="asset-currency")]
