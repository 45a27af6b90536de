"""The Celery application. Configuration lives in Django settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="portal.tasks.ping")
def ping(value: str) -> str:
    """Echo a value: the round trip that proves a worker consumes the queues."""
    return f"pong:{value}"
