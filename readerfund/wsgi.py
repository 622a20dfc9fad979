"""WSGI entry point used by `readerfund serve` (gunicorn) and the demo server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readerfund.settings")
django_application = get_wsgi_application()

from readerfund.campaigns.serving import PlaybookFastPath  # noqa: E402 (needs Django set up)

application = PlaybookFastPath(django_application)
