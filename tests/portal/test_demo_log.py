"""`make run`'s log (issue #18): the logins are the last, visible thing; the SQLite check
warnings and the line per eager Celery task or per request are gone; errors still show."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
LEVELS = ("import django, logging; django.setup(); print(' '.join("
          "str(logging.getLogger(n).isEnabledFor(getattr(logging, l))) for n, l in ["
          "('celery.app.trace', 'INFO'), ('django.server', 'INFO'),"
          " ('django.utils.autoreload', 'INFO'), ('assets.tasks', 'INFO'),"
          " ('celery.app.trace', 'ERROR'), ('django.server', 'WARNING'),"
          " ('django.request', 'ERROR'), ('assets.tasks', 'WARNING')]))")


def _enabled(**env) -> list[bool]:
    environment = {k: v for k, v in os.environ.items() if k != "LOG_LEVEL"}
    environment.update(DJANGO_SETTINGS_MODULE="portal.settings", **env)
    out = subprocess.run([sys.executable, "-c", LEVELS], cwd=ROOT, env=environment,
                         check=True, capture_output=True, text=True).stdout.split()
    return [word == "True" for word in out]


def test_the_demo_log_level_drops_info_lines_but_keeps_warnings_and_errors():
    # when: the level bin/run-demo sets
    quiet = _enabled(LOG_LEVEL="WARNING")
    # then: no line per task, request or reload; every warning and error still shows
    assert quiet == [False] * 4 + [True] * 4
    # and by default (production) the INFO lines stay
    assert _enabled() == [True] * 8


def test_the_demo_script_ends_with_the_logins_and_quiets_its_log():
    script = (ROOT / "bin" / "run-demo").read_text()
    assert 'export LOG_LEVEL="${LOG_LEVEL:-WARNING}"' in script
    assert "filebased.EmailBackend" in script  # the seed's emails are not dumped in the log
    tail = script[script.index('runserver "127.0.0.1:$SITE_PORT"'):]
    # the logins come after the site is up, and only the closing line after them
    assert tail.index('wait_for "$SITE_PORT" site') < tail.index("seed_demo --logins-only")
    assert tail.index("seed_demo --logins-only") < tail.index("The portal is up")


def test_migrate_on_sqlite_prints_no_check_warnings():
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(DJANGO_SETTINGS_MODULE="portal.settings",
                       DATABASE_URL="sqlite:///:memory:", DEBUG="1")  # as in the demo
    result = subprocess.run([sys.executable, "manage.py", "check", "--database", "default"],
                            cwd=ROOT, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "W040" not in result.stderr + result.stdout
    assert "W047" not in result.stderr + result.stdout


@pytest.mark.django_db
def test_the_login_banner_lists_every_persona_and_changes_nothing(settings):
    from accounts.models import User
    from portal.management.commands.seed_demo import PARTNERS, STAFF

    settings.SITE_URL = "http://127.0.0.1:8100"
    out = io.StringIO()
    # when
    call_command("seed_demo", "--logins-only", "--password", "pw-2026", stdout=out)
    # then
    banner = out.getvalue()
    assert "Demo logins (password: pw-2026)" in banner
    for email in [s[0] for s in STAFF] + [p[0] for p in PARTNERS]:
        assert email in banner
    assert "Site: http://127.0.0.1:8100" in banner
    assert not User.objects.exists()  # no personas made: it only prints
