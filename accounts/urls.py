"""Pages of the accounts app (included at the site root; allauth lives under /accounts/)."""

from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("me/tokens/", views.tokens, name="tokens"),
    path("me/tokens/<uuid:uid>/revoke/", views.revoke_token, name="revoke_token"),
]
