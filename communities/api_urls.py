"""REST API routes of the communities app (included under /api/v1/)."""

urlpatterns: list = []
