"""Template context every readerfund page gets."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from readerfund.core.language import language_current
from readerfund.core.newsroom import NewsroomFace, newsroom_face


def test_mode(request: HttpRequest) -> dict[str, bool]:
    """`site_test_mode`: production declared READERFUND_TEST_MODE, so every page says
    that no real money moves (the demo labels only the pages the sandbox touches)."""
    return {"site_test_mode": settings.PRODUCTION and settings.READERFUND_TEST_MODE}


def newsroom(request: HttpRequest) -> dict[str, NewsroomFace]:
    """`newsroom`: the name, logo, colours and site link readers' pages show; read only by
    a template that uses it (the demo's pages and the admin do not)."""
    face = SimpleLazyObject(lambda: newsroom_face(language=language_current()))
    return {"newsroom": cast(NewsroomFace, face)}
