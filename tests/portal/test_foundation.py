import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.services import need_redis

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, env_overrides: dict):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "ALLOWED_HOSTS"}}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_healthz_reports_each_dependency(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"]["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "cloudinary", "trading_grid"}
    assert body["checks"]["broker"]["detail"] == "eager"


def test_healthz_is_503_when_the_database_is_down(client, db, monkeypatch):
    from portal import health

    def broken():
        raise RuntimeError("connection refused")

    monkeypatch.setattr(health, "check_database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["status"] == "down"


def test_staff_groups_exist_after_migrate(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {"Content team", "Support staff"}


def test_content_team_holds_the_approve_permission(content):
    assert content.has_perm("assets.approve_asset")
    assert content.has_perm("communities.add_publication")


def test_the_home_page_needs_a_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "content", "support"])
def test_each_persona_signs_in_with_email_and_password(client, persona, request):
    user = request.getfixturevalue(persona)
    response = client.post(reverse("account_login"),
                           {"login": user.email, "password": "correct horse battery staple"})
    assert response.status_code == 302, response.content[:500]
    assert client.get("/").status_code == 200


def test_sign_up_is_closed_by_default(client, db):
    response = client.get(reverse("account_signup"))
    assert b"closed" in response.content.lower()


def test_staff_without_totp_are_sent_to_enrol(client, content, settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = True
    client.force_login(content)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_partners_need_no_totp(client, alice, settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = True
    client.force_login(alice)
    assert client.get("/").status_code == 200


def test_responses_carry_a_request_id(client, db):
    assert len(client.get("/healthz")["X-Request-Id"]) >= 16


def test_check_deploy_prints_no_warnings():
    from tests.hardening.test_config_checks import PRODUCTION

    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr and "?:" not in result.stdout + result.stderr


def test_check_deploy_warns_when_download_links_would_not_expire():
    from tests.hardening.test_config_checks import PRODUCTION

    result = _manage("check", "--deploy", "--fail-level", "WARNING",
                     env_overrides={**PRODUCTION, "CLOUDINARY_AUTH_TOKEN_KEY": ""})
    assert result.returncode != 0
    assert "assets.W001" in result.stdout + result.stderr
    assert "never expire" in result.stdout + result.stderr


def test_without_a_secret_key_the_site_refuses_to_start():
    result = _manage("check", env_overrides={"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_a_bad_boolean_is_a_clear_configuration_error():
    result = _manage("check", env_overrides={"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_a_task_round_trips_through_a_real_worker_on_redis(celery_worker):
    need_redis()
    from portal.celery import ping

    result = ping.delay("hello")
    assert result.get(timeout=20) == "pong:hello"
