"""REST API routes of the audit app (included under /api/v1/)."""

urlpatterns: list = []
