from __future__ import annotations

from readerfund.core.supporter_token import supporter_token_is_valid, supporter_token_issue


def test_a_fresh_token_is_valid_until_the_end_of_its_last_day():
    # 1_000_000 is 12 Jan 1970 13:46 UTC; 30 days on, that day ends at 3_628_800
    token = supporter_token_issue(days=30, now=1_000_000)
    assert supporter_token_is_valid(token, now=3_628_800 - 1)
    assert not supporter_token_is_valid(token, now=3_628_800)


def test_tokens_of_the_same_day_are_the_same_bytes():
    # two supporters until the same date, hours apart, cannot be told apart
    assert supporter_token_issue(now=1_000_000) == supporter_token_issue(now=1_000_000 + 30_000)
    assert supporter_token_issue(now=1_000_000) != supporter_token_issue(now=1_000_000 + 86_400)


def test_a_tampered_token_is_not_valid():
    token = supporter_token_issue(now=1_000_000)
    payload, signature = token.split(":")
    assert not supporter_token_is_valid(payload + ":" + signature[:-2] + "xx", now=1_000_000)
    assert not supporter_token_is_valid("garbage", now=1_000_000)


def test_the_token_names_nobody():
    # the version and the end of the day, nothing else
    payload = supporter_token_issue(days=30, now=1_000_000).split(":")[0]
    assert payload == "2.3628800"


def test_a_token_of_another_version_is_not_valid():
    import base64

    from django.core import signing

    old = base64.urlsafe_b64encode(b'{"v": 1, "exp": 9999999999}').decode().rstrip("=")
    other = "3.9999999999"
    for payload in (old, other, "2.", "2.-1", "2.12x"):
        token = signing.Signer(salt="readerfund.supporter-token").sign(payload)
        assert not supporter_token_is_valid(token, now=1_000_000)
