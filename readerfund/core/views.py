"""The newsroom's face served to readers' pages: its accent colours as a stylesheet (the
pages' CSP allows no inline style) and its uploaded logo."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse

from readerfund.core.language import language_current
from readerfund.core.models import Newsroom
from readerfund.core.newsroom import newsroom_face, newsroom_theme_css


def theme_css(request: HttpRequest) -> HttpResponse:
    css = newsroom_theme_css(newsroom_face(language=language_current()))
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"  # the link carries ?v=<version>
    return response


def logo(request: HttpRequest) -> HttpResponse:
    row = Newsroom.objects.filter(pk=1).exclude(logo_type="").first()
    if row is None:
        raise Http404("no uploaded logo")
    response = HttpResponse(bytes(row.logo_data), content_type=row.logo_type)
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=86400"  # the link carries ?v=<version>
    return response
