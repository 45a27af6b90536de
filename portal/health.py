"""Health checks for /healthz: the database, the broker, Cloudinary and Trading Grid."""

import logging
import time

from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)


def _timed(check) -> dict:
    started = time.monotonic()
    try:
        detail = check()
        result = {"status": "ok"}
        if detail:
            result["detail"] = detail
    except Exception as exc:  # a health check reports every failure, whatever its type
        log.warning("health check %s failed: %s", check.__name__, exc)
        result = {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    from portal.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "connected"


def check_cloudinary() -> str:
    from assets import cloudinary

    cloudinary.ping()
    return "reachable"


def check_trading_grid() -> str:
    from communities.tradinggrid import TradingGridClient

    # One quick try: a health check must answer fast even when Trading Grid is down.
    TradingGridClient(max_retries=0, timeout=2).ping()
    return "reachable"


def run_checks() -> dict:
    return {
        "database": _timed(check_database),
        "broker": _timed(check_broker),
        "cloudinary": _timed(check_cloudinary),
        "trading_grid": _timed(check_trading_grid),
    }
