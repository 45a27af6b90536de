"""Response security headers beyond Django's own: CSP directives, Permissions-Policy and
`Cache-Control: private, no-store` on everything a signed-in caller receives.

CSP itself is sent by django-csp: CONTENT_SECURITY_POLICY (settings) holds this site's
part, and PortalCSPMiddleware adds the origins the current CLOUDINARY_URL delivers from,
so thumbnails, previews and videos load from Cloudinary and nowhere else. No page has
inline script; the few <style> blocks carry the request's nonce, and style attributes
are allowed (style-src-attr) since they cannot run code.
"""

from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.utils.cache import patch_cache_control

PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media",
    "fullscreen", "geolocation", "gyroscope", "magnetometer", "microphone", "midi",
    "payment", "picture-in-picture", "publickey-credentials-get", "screen-wake-lock",
    "sync-xhr", "usb", "xr-spatial-tracking", "interest-cohort",
))


def cloudinary_origins(cloudinary_url: str) -> tuple[list[str], list[str]]:
    """(delivery origins, API origins) that a CLOUDINARY_URL makes the SDK build links to."""
    parts = urlsplit(cloudinary_url)
    params = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    cloud = parts.hostname or ""
    # The SDK builds http links unless `secure` is set: unset allows both schemes.
    secure = params.get("secure", "").lower()
    schemes = ["https"] if secure in {"1", "true", "yes"} else (
        ["http"] if secure in {"0", "false", "no"} else ["https", "http"])
    if params.get("secure_distribution"):
        hosts, schemes = [params["secure_distribution"]], ["https"]
    elif params.get("cname"):
        hosts = [params["cname"]]
    elif params.get("private_cdn", "false").lower() in {"1", "true", "yes"}:
        hosts = [f"{cloud}-res.cloudinary.com"]
    else:
        hosts = ["res.cloudinary.com"]
    delivery = [f"{scheme}://{host}" for host in hosts for scheme in schemes]
    api = params.get("upload_prefix", "https://api.cloudinary.com")
    return delivery, [_origin(api)]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@lru_cache(maxsize=8)
def cloudinary_directives(cloudinary_url: str, extra_media: tuple[str, ...] = ()) -> dict:
    """What CSP must add for Cloudinary: its delivery host for media; its API host as a
    form target, since download-zip answers a form post with a redirect to an archive."""
    delivery, api = cloudinary_origins(cloudinary_url)
    media = sorted({*delivery, *extra_media})
    return {"img-src": media, "media-src": media, "form-action": sorted({*media, *api})}


def sign_in_origins() -> list[str]:
    """Identity providers' origins (allauth SOCIALACCOUNT_PROVIDERS `server_url`s): the
    "Sign in with ..." form posts here and is redirected there, which form-action governs."""
    origins = set()
    for provider in getattr(settings, "SOCIALACCOUNT_PROVIDERS", {}).values():
        for app in provider.get("APPS", []):
            server_url = (app.get("settings") or {}).get("server_url")
            if server_url:
                origins.add(_origin(server_url))
    return sorted(origins)


class PortalCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, plus the Cloudinary origins of the current settings."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        extra = cloudinary_directives(settings.CLOUDINARY_URL,
                                      tuple(settings.CSP_EXTRA_MEDIA_ORIGINS))
        extra = {**extra, "form-action": [*extra["form-action"], *sign_in_origins()]}
        update = dict(parts.update or {})
        for directive, origins in extra.items():
            update[directive] = [*origins, *update.get(directive, [])]
        parts.update = update
        return parts


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; private, no-store for signed-in callers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if _signed_in(request):
            patch_cache_control(response, private=True, no_store=True)
        return response


def _signed_in(request) -> bool:
    # DRF writes the token's user back onto the Django request, so token callers count too;
    # a request carrying credentials is never cacheable either way.
    user = getattr(request, "user", None)
    return bool(getattr(user, "is_authenticated", False)
                or "HTTP_AUTHORIZATION" in request.META)
