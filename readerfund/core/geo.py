"""The reader's country: from the CDN's header, else from a GeoLite2 file if configured.

Only the two-letter code is used; the address is not stored or logged.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest

COUNTRY = re.compile(r"[A-Z]{2}")
# Codes CDNs use for "unknown" or "Tor" rather than a country.
NOT_A_COUNTRY = {"XX", "T1", "A1", "A2", "O1", "ZZ"}


@cache
def _geoip_reader(path: str) -> Any:
    import geoip2.database

    return geoip2.database.Reader(path)


def client_ip(request: HttpRequest) -> str:
    # Behind trusted proxies, each appends the address it saw to X-Forwarded-For; what the
    # client wrote itself comes first and is not to be believed (rate limits key on this).
    # So the reader is READERFUND_PROXY_HOPS entries from the right; with 0 (no proxy
    # declared) the header is ignored and the connecting address counts.
    if settings.READERFUND_PROXY_HOPS > 0 and getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = [
            entry.strip() for entry in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        ]
        forwarded = [entry for entry in forwarded if entry]
        if forwarded:
            return forwarded[-min(settings.READERFUND_PROXY_HOPS, len(forwarded))]
    return str(request.META.get("REMOTE_ADDR", ""))


def country_from_request(request: HttpRequest) -> str | None:
    header = request.headers.get(settings.READERFUND_COUNTRY_HEADER, "").strip().upper()
    if COUNTRY.fullmatch(header):
        return None if header in NOT_A_COUNTRY else header
    if settings.READERFUND_GEOIP_DATABASE:
        import geoip2.errors

        try:
            found = _geoip_reader(settings.READERFUND_GEOIP_DATABASE).country(client_ip(request))
        except (geoip2.errors.AddressNotFoundError, ValueError):
            return None
        code = found.country.iso_code
        return code if isinstance(code, str) and COUNTRY.fullmatch(code) else None
    return None
