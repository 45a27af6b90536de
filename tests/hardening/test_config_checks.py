"""Review findings 8 and 9: production refuses a missing or demo secret, and a per-process
rate-limit cache, at `check --deploy` and at start-up."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 40 + "-Zq9!xT4#pL2@vN8$wR6%yB3^mC7&",
    "ALLOWED_HOSTS": "portal.example.com",
    "TRADING_GRID_WEBHOOK_SECRET": "whsec-3f9a1c7e5b2d4f60",
    "CLOUDINARY_URL": "cloudinary://123456:s3cr3t@kestrel-outdoor",
    "TRADING_GRID_URL": "https://portal-client:tg-s3cr3t@tradinggrid.example/v1",
    "REDIS_URL": "redis://redis.internal:6379/0",
    # protected delivery (main's assets.W001) wants it; unused before that lands
    "CLOUDINARY_AUTH_TOKEN_KEY": "0123456789abcdef0123456789abcdef",
}
_INHERITED = set(PRODUCTION) | {"DJANGO_SETTINGS_MODULE", "CELERY_BROKER_URL",
                                "CELERY_RESULT_BACKEND"}


def _run(args, env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in _INHERITED}
    env.update(env_overrides)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_check_deploy_with_every_production_setting_is_silent():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


def _portal_errors(settings, **overrides) -> list:
    """The portal's configuration checks under production settings with `overrides`."""
    from django.core import checks

    settings.DEBUG, settings.PORTAL_PRODUCTION_CHECKS = False, True
    settings.SECRET_KEY = PRODUCTION["SECRET_KEY"]
    settings.TRADING_GRID_WEBHOOK_SECRET = PRODUCTION["TRADING_GRID_WEBHOOK_SECRET"]
    settings.CLOUDINARY_URL = PRODUCTION["CLOUDINARY_URL"]
    settings.TRADING_GRID_URL = PRODUCTION["TRADING_GRID_URL"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": PRODUCTION["REDIS_URL"]}}
    for name, value in overrides.items():
        setattr(settings, name, value)
    return checks.run_checks(tags=["portal_config"])


def test_the_configuration_checks_pass_with_production_settings(settings):
    assert _portal_errors(settings) == []


LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMULATOR_CLOUDINARY = ("cloudinary://demo_key:demo_secret@demo?upload_prefix="
                       "http://127.0.0.1:8701&cname=127.0.0.1:8701&secure=false")
EMULATOR_TG = "http://portal-demo:tg-demo-secret@127.0.0.1:8702/v1"


@pytest.mark.parametrize(("overrides", "error", "named"), [
    ({"TRADING_GRID_WEBHOOK_SECRET": None}, "portal.E002", "TRADING_GRID_WEBHOOK_SECRET"),
    ({"TRADING_GRID_WEBHOOK_SECRET": "tg-webhook-demo-secret"}, "portal.E002",
     "TRADING_GRID_WEBHOOK_SECRET"),
    ({"TRADING_GRID_WEBHOOK_SECRET": "s3cret"}, "portal.E002", "TRADING_GRID_WEBHOOK_SECRET"),
    ({"SECRET_KEY": "django-insecure-" + "x" * 50}, "portal.E001", "SECRET_KEY"),
    ({"CLOUDINARY_URL": EMULATOR_CLOUDINARY}, "portal.E003", "CLOUDINARY_URL"),
    ({"TRADING_GRID_URL": EMULATOR_TG}, "portal.E004", "TRADING_GRID_URL"),
    ({"CACHES": LOCMEM}, "portal.E005", "REDIS_URL"),
], ids=["no-webhook-secret", "demo-webhook-secret", "short-webhook-secret",
        "insecure-secret-key", "demo-cloudinary", "demo-trading-grid", "locmem-cache"])
def test_each_missing_or_demo_setting_is_an_error_naming_it(settings, overrides, error, named):
    errors = _portal_errors(settings, **overrides)
    assert [e.id for e in errors] == [error]
    assert named in errors[0].msg + errors[0].hint


@pytest.mark.parametrize("missing", ["TRADING_GRID_WEBHOOK_SECRET", "REDIS_URL"])
def test_check_deploy_fails_naming_a_missing_setting(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    # when
    result = _run(["manage.py", "check", "--deploy"], env)
    # then
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert missing in output and output.count("portal.E0") == 1


def test_a_missing_secret_key_stops_the_process_naming_it():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = _run(["manage.py", "check", "--deploy"], env)
    assert result.returncode != 0 and "SECRET_KEY is required" in result.stderr


def test_the_wsgi_application_refuses_to_start_without_the_webhook_secret():
    env = {k: v for k, v in PRODUCTION.items() if k != "TRADING_GRID_WEBHOOK_SECRET"}
    result = _run(["-c", "import portal.wsgi"], env)
    assert result.returncode != 0
    assert "Refusing to start" in result.stderr
    assert "TRADING_GRID_WEBHOOK_SECRET" in result.stderr


def test_the_wsgi_application_starts_with_production_settings():
    result = _run(["-c", "import portal.wsgi; print('started')"], PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_development_needs_none_of_it():
    result = _run(["manage.py", "check"], {"DEBUG": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
