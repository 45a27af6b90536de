"""URLs of rendering-quality feedback (included from cases.urls)."""

from django.urls import path

from cases import rendering_views

urlpatterns = [
    path("cases/rendering/new/", rendering_views.rendering_report, name="rendering_report"),
    path("cases/rendering/fixes/", rendering_views.rendering_fixes, name="rendering_fixes"),
    path("cases/<str:ref>/rendering/focal-point/", rendering_views.rendering_focal_point,
         name="rendering_focal_point"),
    path("cases/<str:ref>/rendering/preset/", rendering_views.rendering_preset,
         name="rendering_preset"),
    path("cases/<str:ref>/rendering/revert-override/", rendering_views.rendering_revert,
         name="rendering_revert"),
    path("cases/<str:ref>/rendering/breakpoints/", rendering_views.rendering_breakpoints,
         name="rendering_breakpoints"),
]
