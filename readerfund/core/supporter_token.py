"""The supporter mark: tells the embed that its reader already gives.

Issued by the checkout's thanks page and by a supporter's own page; it lives in core
because both hand it to the embed and neither may import the other. It reaches the embed
two ways (docs/embed.md, "Supporter mark"): in the fragment of the link back to the
newsroom's page, and as a cookie on the registrable domain that readerfund and the
newsroom's site share, which the embed reads on the host page.

Format: `<payload>:<signature>`, payload = `<version>.<expiry>` (`2.1798761600`: the
version, then the expiry in unix seconds), signed with Django's Signer. Plain digits, so the
embed reads them with one regular expression. It names nobody: the expiry is rounded to the
end of a UTC day, so everyone who supports until the same date carries the same bytes.
(Version 1, base64url JSON `{"v": 1, "exp": …}`, is no longer read.)
"""

from __future__ import annotations

import datetime
import re
import time

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

SALT = "readerfund.supporter-token"
VERSION = 2  # js/embed/decide.js isSupporter reads this version only
PAYLOAD = re.compile(rf"{VERSION}\.([0-9]+)")
DEFAULT_DAYS = 400  # a year of asks stopped, with a margin for annual plans
COOKIE_NAME = "readerfund_supporter"
DAY = 86400


def _day_end(moment: float) -> int:
    """The end of moment's UTC day: no finer than a date, so the mark identifies nobody."""
    return (int(moment) // DAY + 1) * DAY


def supporter_token_issue(
    *,
    days: int = DEFAULT_DAYS,
    now: float | None = None,
    until: datetime.datetime | None = None,
) -> str:
    """A mark valid until the end of `until`'s UTC day (or `days` from now)."""
    if until is not None:
        expiry = _day_end(until.timestamp())
    else:
        expiry = _day_end((now if now is not None else time.time()) + days * DAY)
    return signing.Signer(salt=SALT).sign(f"{VERSION}.{expiry}")


def supporter_token_expiry(token: str) -> int | None:
    """The expiry (unix seconds) of a token signed by this server, else None."""
    try:
        payload = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    match = PAYLOAD.fullmatch(payload)
    return int(match[1]) if match else None


def supporter_token_is_valid(token: str, *, now: float | None = None) -> bool:
    expiry = supporter_token_expiry(token)
    moment = now if now is not None else time.time()
    return expiry is not None and expiry > moment


def supporter_cookie_set(
    response: HttpResponse, *, request: HttpRequest, until: datetime.datetime | None
) -> str:
    """Sets the mark as a cookie until `until` (or deletes it when `until` is None or past);
    returns the token set, or "".

    Not HttpOnly: the embed on the newsroom's page must read it. On the registrable domain
    (READERFUND_SUPPORTER_COOKIE_DOMAIN) it reaches every site of that domain; SameSite=Lax,
    Secure behind HTTPS. Nothing needs it: without it only the fragment carries the mark.
    """
    domain = settings.READERFUND_SUPPORTER_COOKIE_DOMAIN or None
    if until is None or until.timestamp() <= time.time():
        response.delete_cookie(COOKIE_NAME, domain=domain, samesite="Lax")
        return ""
    token = supporter_token_issue(until=until)
    expiry = supporter_token_expiry(token) or 0
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=max(0, expiry - int(time.time())),
        domain=domain,
        secure=request.is_secure(),
        httponly=False,
        samesite="Lax",
    )
    return token
