"""WSGI entry point used by `readerfund serve` (gunicorn) and the demo server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readerfund.settings")
application = get_wsgi_application()
