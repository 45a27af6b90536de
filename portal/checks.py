"""System checks for a production configuration (DEBUG off: PORTAL_PRODUCTION_CHECKS).

A missing secret or a value copied from the demo used to start fine and fail later (every
Trading Grid webhook a 500). These checks are errors: `check`, `check --deploy`, `migrate`
and runserver refuse to go on, and the WSGI/ASGI entry points refuse to start
(`refuse_to_start_if_misconfigured`). Silence one deliberately with SILENCED_SYSTEM_CHECKS.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

TAG = "portal_config"
DEMO_VALUES = ("demo_key:demo_secret@", "tg-demo-secret", "tg-webhook-demo-secret",
               "django-insecure", "change-me", "changeme")
MIN_WEBHOOK_SECRET_LENGTH = 16
PER_PROCESS_CACHES = ("django.core.cache.backends.locmem.LocMemCache",
                      "django.core.cache.backends.dummy.DummyCache")


def _is_demo(value: str | None) -> bool:
    return any(marker in (value or "").lower() for marker in DEMO_VALUES)


def _error(id_: str, msg: str, hint: str) -> checks.Error:
    return checks.Error(msg, hint=hint, id=f"portal.{id_}")


@checks.register(TAG, deploy=False)
def production_secrets(app_configs=None, **kwargs) -> list[checks.Error]:
    """Every secret and endpoint the portal needs is set, and none is the demo's."""
    if not settings.PORTAL_PRODUCTION_CHECKS:
        return []
    errors = []
    if _is_demo(settings.SECRET_KEY):
        errors.append(_error("E001", "SECRET_KEY is a development/demo value.",
                             "Set SECRET_KEY to a long random string."))
    secret = settings.TRADING_GRID_WEBHOOK_SECRET
    if not secret or _is_demo(secret) or len(secret) < MIN_WEBHOOK_SECRET_LENGTH:
        errors.append(_error(
            "E002", "TRADING_GRID_WEBHOOK_SECRET is missing, a demo value or shorter than "
                    f"{MIN_WEBHOOK_SECRET_LENGTH} characters: every Trading Grid webhook "
                    "would be refused or fail.",
            "Set TRADING_GRID_WEBHOOK_SECRET to the HMAC secret configured in Trading Grid."))
    if _is_demo(settings.CLOUDINARY_URL) or "127.0.0.1" in settings.CLOUDINARY_URL:
        errors.append(_error(
            "E003", "CLOUDINARY_URL is not set: the portal points at the local demo emulator.",
            "Set CLOUDINARY_URL=cloudinary://API_KEY:API_SECRET@CLOUD_NAME."))
    if _is_demo(settings.TRADING_GRID_URL) or "127.0.0.1" in settings.TRADING_GRID_URL:
        errors.append(_error(
            "E004", "TRADING_GRID_URL is not set: the portal points at the local demo "
                    "emulator with its demo credentials.",
            "Set TRADING_GRID_URL=https://CLIENT_ID:CLIENT_SECRET@tradinggrid.example/v1."))
    return errors


@checks.register(TAG, deploy=False)
def shared_rate_limit_cache(app_configs=None, **kwargs) -> list[checks.Error]:
    """Login rate limits and API throttles count in the cache: it must be shared."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if not settings.PORTAL_PRODUCTION_CHECKS or backend not in PER_PROCESS_CACHES:
        return []
    return [_error(
        "E005", f"The default cache is {backend.rsplit('.', 1)[-1]}: login rate limits and "
                "API throttles would count per process, so N workers allow N times the limit.",
        "Set REDIS_URL (redis://host:6379/0) so every process shares the counts.")]


def refuse_to_start_if_misconfigured() -> None:
    """Raise ImproperlyConfigured listing every error above (called by wsgi.py and asgi.py)."""
    silenced = set(settings.SILENCED_SYSTEM_CHECKS)
    errors = [e for e in checks.run_checks(tags=[TAG]) if e.is_serious()
              and e.id not in silenced]
    if errors:
        raise ImproperlyConfigured("Refusing to start:\n" + "\n".join(
            f"{e.id}: {e.msg} {e.hint}" for e in errors))
