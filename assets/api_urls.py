"""REST API routes of the assets app (included under /api/v1/)."""

urlpatterns: list = []
