"""Test settings: the real settings with a throwaway key, fast hashing and local mail."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 20)
os.environ.setdefault("TRADING_GRID_WEBHOOK_SECRET", "tg-webhook-test-secret")

from portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
SECURE_SSL_REDIRECT = False
PORTAL_REQUIRE_STAFF_MFA = False
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}  # noqa: F405
ACCOUNT_RATE_LIMITS = False
# Tests run with DEBUG off but on emulators and a local cache (tests/hardening turn it on).
PORTAL_PRODUCTION_CHECKS = False
# No eager notifications to SITE_URL (nothing listens there); tests that need one set it.
CLOUDINARY_EAGER_NOTIFICATION_URL = ""
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Tests run eagerly; the tests that need a real worker start one (tests/workers.py)
# against Redis with task_always_eager switched off for their duration.
CELERY_TASK_ALWAYS_EAGER = True
if CELERY_BROKER_URL:  # noqa: F405
    # Each pytest-xdist worker gets its own Redis database, so test processes never
    # consume each other's tasks.
    if "PYTEST_XDIST_WORKER" in os.environ:
        _n = int(os.environ["PYTEST_XDIST_WORKER"].removeprefix("gw") or 0) + 1
        CELERY_BROKER_URL = CELERY_BROKER_URL.rsplit("/", 1)[0] + f"/{_n % 16}"  # noqa: F405
    CELERY_RESULT_BACKEND = CELERY_BROKER_URL
    # ...and every key this process writes carries its own prefix, so two suites running at
    # once on one Redis (a CI run beside a developer's run) never take each other's tasks:
    # a database number per xdist worker alone did not keep them apart.
    import uuid as _uuid

    _prefix = f"test-{os.getpid()}-{_uuid.uuid4().hex[:8]}:"
    CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": _prefix}
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"global_keyprefix": _prefix}

# A second, always-SQLite database so database-level behaviour (triggers) is
# tested on both engines in one run; tests opt in with databases={"default", "sqlite"}.
DATABASES["sqlite"] = {  # noqa: F405
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": ":memory:",
    "TEST": {"NAME": ":memory:"},
}
STATIC_ROOT = None
