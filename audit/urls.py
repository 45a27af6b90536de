"""Pages of the audit app (included at the site root)."""

from django.urls import path  # noqa: F401

app_name = "audit"
urlpatterns: list = []
