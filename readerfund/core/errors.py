"""What readers get when something below the views fails."""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import server_error as django_server_error

from readerfund.core.embedding import allow_embedding_origin

logger = logging.getLogger(__name__)

#: Seconds after which a client (the embed, a proxy, a reader's browser) may try again.
DATABASE_RETRY_AFTER = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an unreachable database is a 503 with Retry-After, not a 500.

    Django calls this for any uncaught exception, from a view or from a middleware (the
    session is saved after the view), while that exception is still being handled, so
    `sys.exc_info()` names it. The embed's API answers JSON with its CORS headers, so the
    page's script can read the answer and try later.
    """
    error = sys.exc_info()[1]
    if not isinstance(error, (OperationalError, InterfaceError)):
        return django_server_error(request)
    logger.warning("database unavailable: %s %s answered 503", request.method, request.path)
    message = _("The service is briefly unavailable. Please try again in a minute.")
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": message}, status=503)
        allow_embedding_origin(request, response)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response
