"""Pages of the assets app (included at the site root)."""

from django.urls import path  # noqa: F401

app_name = "assets"
urlpatterns: list = []
