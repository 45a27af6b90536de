"""The one exception type API handlers raise; the server turns it into Cloudinary's error body."""

from __future__ import annotations


class ApiError(Exception):
    """An API answer ``{"error": {"message": message}}`` with HTTP ``status``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict:
        """The JSON body Cloudinary sends for errors."""
        return {"error": {"message": self.message}}


def not_found(public_id: str) -> ApiError:
    """404 for a missing resource, worded like the real Admin API."""
    return ApiError(404, f"Resource not found - {public_id}")


def bad_request(message: str) -> ApiError:
    """400 with the given message."""
    return ApiError(400, message)
