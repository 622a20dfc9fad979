"""The one token scheme for links in emails (manage, remind, unsubscribe).

Django-signed, typed by purpose (a token made for one purpose is invalid for every other),
expiring. Links that change state are made single-use by the caller, who stores the
token's `nonce` once used.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core import signing
from django.db import IntegrityError, transaction

from readerfund.core.models import LinkUse

SALT = "readerfund.email-link"


class TokenInvalid(Exception):
    """Expired, tampered with, truncated or made for another purpose."""


@dataclass(frozen=True)
class TokenClaims:
    purpose: str
    subject: str
    nonce: str


def token_make(*, purpose: str, subject: str) -> str:
    claims = {"p": purpose, "s": subject, "n": secrets.token_urlsafe(16)}
    return signing.dumps(claims, salt=SALT, compress=False)


def token_read(token: str, *, purpose: str, max_age_days: int) -> TokenClaims:
    try:
        claims = signing.loads(token, salt=SALT, max_age=max_age_days * 86400)
    except signing.BadSignature as error:  # SignatureExpired is a BadSignature
        raise TokenInvalid(str(error)) from error
    if not isinstance(claims, dict) or claims.get("p") != purpose:
        raise TokenInvalid("made for another purpose")
    return TokenClaims(purpose, str(claims.get("s", "")), str(claims.get("n", "")))


def token_use(claims: TokenClaims) -> None:
    """Marks a single-use link as used; raises TokenInvalid if it was used before.

    Call inside the transaction that makes the link's change, so that a failed change
    leaves the link usable and two concurrent uses change things once.
    """
    try:
        with transaction.atomic():
            LinkUse.objects.create(nonce=claims.nonce, purpose=claims.purpose)
    except IntegrityError as error:
        raise TokenInvalid("this link was used already") from error
