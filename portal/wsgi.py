"""WSGI entry point (gunicorn portal.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

from portal.checks import refuse_to_start_if_misconfigured  # noqa: E402 (apps loaded)

# A production process with a missing or demo secret stops here, not at the first webhook.
refuse_to_start_if_misconfigured()
