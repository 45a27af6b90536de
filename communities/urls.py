"""Pages of the communities app (included at the site root)."""

from django.urls import path  # noqa: F401

app_name = "communities"
urlpatterns: list = []
