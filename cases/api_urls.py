"""REST API routes of the cases app (included under /api/v1/)."""

urlpatterns: list = []
