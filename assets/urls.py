"""Pages of the assets app (included at the site root)."""

from django.urls import path  # noqa: F401

from assets import views as catalog_views
from assets import webhooks

app_name = "assets"
urlpatterns: list = [
    path("hooks/cloudinary/", webhooks.cloudinary_webhook, name="cloudinary_webhook"),
]

# The partner catalog (issue #7); every asset route takes <int:pk> beneath assets/.
urlpatterns += [
    path("catalog/", catalog_views.catalog, name="catalog"),
    path("assets/<int:pk>/", catalog_views.detail, name="detail"),
    path("assets/<int:pk>/download/<slug:preset>/", catalog_views.download, name="download"),
    path("assets/download-zip/", catalog_views.download_zip, name="download_zip"),
]
