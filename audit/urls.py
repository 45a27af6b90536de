"""Pages of the audit app (included at the site root)."""

from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("audit/received/", views.received, name="received"),
    path("audit/received/<int:asset_pk>/", views.received_asset, name="received_asset"),
]
