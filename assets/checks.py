"""System checks of protected delivery (`manage.py check --deploy`)."""

import re

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

_HEX = re.compile(r"^[0-9a-fA-F]{16,}$")


@register(Tags.security, deploy=True)
def check_expiring_links(app_configs, **kwargs):
    """Without a token key, resized-preset and page-image links never expire."""
    key = getattr(settings, "CLOUDINARY_AUTH_TOKEN_KEY", "")
    if not key:
        return [Warning(
            "CLOUDINARY_AUTH_TOKEN_KEY is not set: resized download links and page images are "
            "signed but never expire, and public masters are not restricted.",
            hint="Enable token-based access in the Cloudinary console (Settings → Security) "
                 "and set CLOUDINARY_AUTH_TOKEN_KEY to its hex key.",
            id="assets.W001")]
    if not _HEX.match(key):
        return [Error("CLOUDINARY_AUTH_TOKEN_KEY must be the hex key Cloudinary shows.",
                      id="assets.E001")]
    return []
