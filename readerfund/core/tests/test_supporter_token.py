from __future__ import annotations

from readerfund.core.supporter_token import supporter_token_is_valid, supporter_token_issue


def test_a_fresh_token_is_valid_until_it_expires():
    token = supporter_token_issue(days=30, now=1_000_000)
    assert supporter_token_is_valid(token, now=1_000_000 + 30 * 86400 - 1)
    assert not supporter_token_is_valid(token, now=1_000_000 + 30 * 86400)


def test_a_tampered_token_is_not_valid():
    token = supporter_token_issue(now=1_000_000)
    payload, signature = token.split(":")
    assert not supporter_token_is_valid(payload + ":" + signature[:-2] + "xx", now=1_000_000)
    assert not supporter_token_is_valid("garbage", now=1_000_000)


def test_the_token_names_nobody():
    import base64
    import json

    payload = supporter_token_issue(now=1_000_000).split(":")[0]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    assert set(claims) == {"v", "exp"}
