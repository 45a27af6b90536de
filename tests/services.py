"""Skip a test whose service is missing — except in CI, where that is a failure.

CI (CI=true) provides PostgreSQL, Redis and Chromium; a test that would skip
there means CI lost a service, so it fails instead of passing quietly.
"""

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"


def need(condition, why: str) -> None:
    """Skip (locally) or fail (in CI) unless `condition` holds."""
    if condition:
        return
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"CI must run this test, but: {why}")
    pytest.skip(why)


def need_postgres() -> None:
    from django.db import connection

    need(connection.vendor == "postgresql",
         "needs PostgreSQL: set DATABASE_URL=postgres://... (CI does)")


def need_redis() -> str:
    from django.conf import settings

    need(settings.CELERY_BROKER_URL, "needs Redis: set CELERY_BROKER_URL=redis://... (CI does)")
    return settings.CELERY_BROKER_URL


def need_chromium() -> str:
    need(shutil.which(CHROMIUM) or os.path.exists(CHROMIUM),
         f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    return CHROMIUM
