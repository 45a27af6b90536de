"""Pages of the cases app (included at the site root)."""

from django.urls import path  # noqa: F401

app_name = "cases"
urlpatterns: list = []
