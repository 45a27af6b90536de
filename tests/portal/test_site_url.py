"""`make run` with PORT=8100: SITE_URL (the base of every link in emails) follows the port,
unless SITE_URL is set; bin/run-demo passes PORT to runserver and the emulators."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _site_url(**env) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in {"PORT", "SITE_URL"}}
    environment.update(DJANGO_SETTINGS_MODULE="tests.settings", **env)
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.SITE_URL)")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, check=True,
                          capture_output=True, text=True).stdout.strip()


def test_site_url_follows_port():
    assert _site_url(PORT="8100") == "http://127.0.0.1:8100"
    assert _site_url() == "http://127.0.0.1:8000"


def test_an_explicit_site_url_wins():
    assert _site_url(PORT="8100", SITE_URL="https://portal.example/") == "https://portal.example"


def test_a_bad_port_is_refused_loudly():
    with pytest.raises(subprocess.CalledProcessError) as failed:
        _site_url(PORT="eighty")
    assert "PORT='eighty' is not an integer" in failed.value.stderr


def test_the_demo_script_serves_and_links_the_same_port():
    script = (ROOT / "bin" / "run-demo").read_text()
    assert 'SITE_PORT="${PORT:-8000}"' in script
    assert 'export SITE_URL="${SITE_URL:-http://127.0.0.1:$SITE_PORT}"' in script
    assert 'runserver "127.0.0.1:$SITE_PORT"' in script


@pytest.mark.django_db
def test_emails_link_to_site_url(settings, client_for, alice, eu_retailers,
                                 django_capture_on_commit_callbacks, mailoutbox):
    # given: the demo runs on port 8100
    settings.SITE_URL = "http://127.0.0.1:8100"
    # when
    with django_capture_on_commit_callbacks(execute=True):
        client_for(alice).post(f"/communities/{eu_retailers.pk}/invite/",
                               {"email": "dora@alpine-outfitters.example"})
    # then
    assert "http://127.0.0.1:8100/communities/invitations/" in mailoutbox[-1].body
