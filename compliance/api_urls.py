from django.urls import path
from rest_framework.routers import SimpleRouter

from compliance.api import (
    AcknowledgementViewSet,
    CommunityCurrencyView,
    CurrencyView,
    MyCurrencyView,
)

router = SimpleRouter()
router.register("acknowledgements", AcknowledgementViewSet, basename="acknowledgement")
urlpatterns = [*router.urls,
               path("assets/<int:asset_pk>/currency/", CurrencyView.as_view(),
                    name="asset-currency"),
               path("communities/<int:community_pk>/currency/", CommunityCurrencyView.as_view(),
                    name="community-currency"),
               path("currency/", MyCurrencyView.as_view(), name="my-currency")]
