"""The supporter token: tells the embed on one device that its reader already gives.

Issued by the checkout's thanks page and by a supporter's own page; it lives in core
because both hand it to the embed and neither may import the other.

Format (docs/embed.md): `<payload>:<signature>`, payload = base64url JSON
`{"v": 1, "exp": <unix seconds>}`, signed with Django's Signer. It names nobody: the embed
only reads the expiry, and the server can check the signature.
"""

from __future__ import annotations

import base64
import binascii
import json
import time

from django.core import signing

SALT = "readerfund.supporter-token"
VERSION = 1
DEFAULT_DAYS = 400  # a year of asks stopped, with a margin for annual plans


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def supporter_token_issue(*, days: int = DEFAULT_DAYS, now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    payload = _b64(json.dumps({"v": VERSION, "exp": issued + days * 86400}).encode())
    return signing.Signer(salt=SALT).sign(payload)


def supporter_token_is_valid(token: str, *, now: float | None = None) -> bool:
    try:
        payload = signing.Signer(salt=SALT).unsign(token)
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (signing.BadSignature, binascii.Error, ValueError):
        return False
    moment = now if now is not None else time.time()
    return isinstance(claims, dict) and claims.get("v") == VERSION and claims.get("exp", 0) > moment
