"""REST API routes of the accounts app (included under /api/v1/)."""

from django.urls import path

from accounts.api import MyTokensView, MyTokenView

urlpatterns = [
    path("me/tokens/", MyTokensView.as_view(), name="api-my-tokens"),
    path("me/tokens/<uuid:uid>/", MyTokenView.as_view(), name="api-my-token"),
]
