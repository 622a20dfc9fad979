"""Template context every readerfund page gets."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def test_mode(request: HttpRequest) -> dict[str, bool]:
    """`site_test_mode`: production declared READERFUND_TEST_MODE, so every page says
    that no real money moves (the demo labels only the pages the sandbox touches)."""
    return {"site_test_mode": settings.PRODUCTION and settings.READERFUND_TEST_MODE}
