"""Configure the cloudinary SDK from CLOUDINARY_URL, with typed query options.

The SDK keeps query parameters of the URL as strings, so `secure=false` would
read as true. We parse the URL ourselves and hand the SDK real booleans.
The same code serves a real cloud (no query parameters needed) and the local
emulator (`upload_prefix`, `cname`, `secure=false`, `private_cdn=false`).
"""

from urllib.parse import parse_qsl, unquote, urlsplit

import cloudinary
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_BOOLEAN_OPTIONS = {"secure", "private_cdn", "secure_cdn_subdomain", "cdn_subdomain",
                    "sign_url", "long_url_signature", "shorten", "analytics"}
_INT_OPTIONS = {"signature_version"}


def parse_cloudinary_url(url: str) -> dict:
    """The SDK config keywords for a `cloudinary://KEY:SECRET@CLOUD?opt=val` URL."""
    parts = urlsplit(url)
    if parts.scheme != "cloudinary" or not parts.hostname or not parts.username:
        raise ImproperlyConfigured("CLOUDINARY_URL must look like cloudinary://KEY:SECRET@CLOUD")
    options: dict = {
        "cloud_name": parts.hostname,
        "api_key": unquote(parts.username),
        "api_secret": unquote(parts.password or ""),
    }
    for key, value in parse_qsl(parts.query):
        if key in _BOOLEAN_OPTIONS:
            options[key] = value.lower() in {"1", "true", "yes"}
        elif key in _INT_OPTIONS:
            options[key] = int(value)
        else:
            options[key] = value
    return options


_state = {"configured": False}


def configure(url: str | None = None) -> dict:
    """(Re)configure the SDK; returns the options applied. Tests call it with an emulator URL."""
    options = parse_cloudinary_url(url or settings.CLOUDINARY_URL)
    cloudinary.reset_config()
    cloudinary.config(**options)
    _state["configured"] = True
    return options


def ensure_configured() -> None:
    """Configure from settings on first use (the SDK would otherwise read the raw env)."""
    if not _state["configured"]:
        configure()
