"""What the pages readerfund serves to readers share: the Content-Security-Policy of the
checkout and a supporter's own pages, and where a page may send the reader back to."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from readerfund.core.newsroom import newsroom_logo_origin


def page_csp(providers: Iterable[Any]) -> str:
    """Strict: our own files plus the payment providers' scripts and frames, nothing inline.

    `providers` are payment provider objects; each says what it needs (content_security).
    """
    listed = list(providers)

    def sources(directive: str) -> str:
        found = {s for p in listed for s in p.content_security().get(directive, ())}
        return " ".join(sorted(found))

    frames = sources("frame-src") or "'none'"
    logo = newsroom_logo_origin()  # a logo the operator gave by address, on its own site
    images = f"'self' data: {logo}".strip()
    return (
        f"default-src 'self'; script-src 'self' {sources('script-src')}; frame-src {frames}; "
        f"connect-src 'self' {sources('connect-src')}; style-src 'self'; img-src {images}; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def return_url_allowed(url: str, *, own_host: str) -> bool:
    """Only http(s) pages of this server or of the newsroom's listed origins."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.username:
        return False
    # "*" in READERFUND_EMBED_ORIGINS lets any site embed, but never redirects anywhere:
    # a return address must be this server or an origin the operator named.
    listed = [origin for origin in settings.READERFUND_EMBED_ORIGINS if origin != "*"]
    return parts.netloc == own_host or f"{parts.scheme}://{parts.netloc}" in listed
