"""Trading Grid sign-in routes beside allauth's (its login view, our strict callback)."""

from django.urls import path

from accounts import sso_provider
from portal import sso

urlpatterns = [
    path("sso/<str:provider_id>/callback/", sso_provider.callback, name="sso_callback"),
    path("sso/logout/", sso.single_logout, name="sso_logout"),
]
