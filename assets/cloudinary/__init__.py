"""The portal's only door to Cloudinary: everything that imports the `cloudinary` SDK.

- config.py: the SDK configured from CLOUDINARY_URL
- client.py: Admin, Search and Upload API calls, errors, webhook verification (the mirror)
- delivery.py: signed, expiring delivery and download URLs (the partner catalog)

Import the functions from here: `from assets import cloudinary; cloudinary.ping()`.
"""

from assets.cloudinary.client import (  # noqa: F401
    CloudinaryError,
    CloudinaryNotFound,
    CloudinaryRateLimited,
    CloudinaryRejected,
    CloudinaryUnavailable,
    ping,
    resource_by_asset_id,
    search_page,
    update_moderation,
    verify_notification,
)
from assets.cloudinary.config import configure, ensure_configured  # noqa: F401
