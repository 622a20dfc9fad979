"""Answers to the embed, which runs on the newsroom's own origins (mirrors included)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


def is_allowed_origin(origin: str | None) -> bool:
    """True for no Origin (same-origin, a script tag, old browsers' beacons) or an Origin
    the operator listed in READERFUND_EMBED_ORIGINS."""
    allowed = settings.READERFUND_EMBED_ORIGINS
    return origin is None or "*" in allowed or origin in allowed


def origin_allowed(request: HttpRequest) -> bool:
    return is_allowed_origin(request.headers.get("Origin"))


def embedding_headers(origin: str | None) -> dict[str, str]:
    """CORS for a credential-less read by the embed; no cookies are ever involved."""
    headers = {
        # A page served with Cross-Origin-Embedder-Policy may still load our script.
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if origin and is_allowed_origin(origin):
        headers["Access-Control-Allow-Origin"] = origin
    return headers


def allow_embedding_origin(request: HttpRequest, response: HttpResponseBase) -> None:
    for name, value in embedding_headers(request.headers.get("Origin")).items():
        response[name] = value
    if "Access-Control-Allow-Origin" in response:
        response["Vary"] = "Origin"
