"""Entity tags and content-coding negotiation for the cacheable public answers (the embed,
the playbook, the goal figure), parsed as RFC 9110 says, never by substring."""

from __future__ import annotations

import hashlib

from django.utils.http import parse_etags, quote_etag


def etag_for(payload: bytes) -> str:
    """A strong entity tag for these bytes: the same bytes, the same tag, in every process."""
    return quote_etag(hashlib.sha256(payload).hexdigest()[:32])


def etag_matches(*, etag: str, if_none_match: str) -> bool:
    """Whether `If-None-Match` names this tag (RFC 9110 §13.1.2): a list of entity tags
    compared weakly (`W/"x"` matches `"x"`), or `*`. Anything not an entity tag, such as
    `xx"x"yy`, matches nothing."""
    if not if_none_match:
        return False
    mine = etag.removeprefix("W/")
    return any(tag == "*" or tag.removeprefix("W/") == mine for tag in parse_etags(if_none_match))


def gzip_accepted(accept_encoding: str) -> bool:
    """Whether `Accept-Encoding` allows gzip (RFC 9110 §12.5.3): `gzip` (or `x-gzip`) with
    a q-value above 0, else `*` with one above 0. `gzip;q=0` refuses it."""
    wildcard: float | None = None
    for item in accept_encoding.split(","):
        coding, *parameters = (part.strip() for part in item.split(";"))
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value.strip())
                except ValueError:
                    weight = 0.0  # a q-value we cannot read: not a yes
        coding = coding.lower()
        if coding in {"gzip", "x-gzip"}:
            return weight > 0
        if coding == "*":
            wildcard = weight
    return wildcard is not None and wildcard > 0
