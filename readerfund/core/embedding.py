"""Answers to the embed, which runs on the newsroom's own origins (mirrors included)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


def origin_allowed(request: HttpRequest) -> bool:
    """True when the request has no Origin (same-origin, beacons of old browsers) or an
    Origin the operator listed in READERFUND_EMBED_ORIGINS."""
    origin = request.headers.get("Origin")
    allowed = settings.READERFUND_EMBED_ORIGINS
    return origin is None or "*" in allowed or origin in allowed


def allow_embedding_origin(request: HttpRequest, response: HttpResponseBase) -> None:
    """CORS for a credential-less read by the embed; no cookies are ever involved."""
    origin = request.headers.get("Origin")
    if origin and origin_allowed(request):
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    # A page served with Cross-Origin-Embedder-Policy may still load our script.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
