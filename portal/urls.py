"""Root URLs. Each app includes its own pages at the root and its API under /api/v1/."""

from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal import views

api_v1 = [
    path("", include("assets.api_urls")),
    path("", include("communities.api_urls")),
    path("", include("cases.api_urls")),
    path("", include("audit.api_urls")),
    path("", include("accounts.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("compliance.api_urls")),
    path("", include("launches.api_urls")),
]

# Before urlpatterns: admin.site.urls binds the index view when it is read.
_admin_index = admin.site.index


def _index_with_review_count(request, extra_context=None):
    """The admin index says how many versions wait for the content team."""
    from assets.models import AssetVersion

    waiting = AssetVersion.objects.awaiting_review()
    return _admin_index(request, {"versions_awaiting_review": waiting.count(),
                                  "new_versions_awaiting_review": waiting.filter(
                                      number__gt=1).count(), **(extra_context or {})})


admin.site.index = _index_with_review_count

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says; the icon itself is static.
    path("favicon.ico", lambda request: redirect(static("favicon.svg"))),
    path("accounts/", include("portal.sso_urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its init script as a file: no inline script under the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(
        url_name="api-schema", template_name="drf_spectacular/swagger_ui_csp.html"),
        name="api-docs"),
    path("", include("assets.urls")),
    path("", include("communities.urls")),
    path("", include("cases.urls")),
    path("", include("audit.urls")),
    path("", include("accounts.urls")),
    path("", include("notifications.urls")),
    path("", include("compliance.urls")),
    path("", include("launches.urls")),
]

handler404 = "portal.errors.not_found"
handler500 = "portal.errors.server_error"

admin.site.site_header = "Partner Asset Portal administration"

admin.site.site_title = "Partner Asset Portal"
