"""Entity tags and gzip negotiation, read as RFC 9110 says: lists and q-values, never
substrings."""

from __future__ import annotations

import pytest

from readerfund.core.http import etag_for, etag_matches, gzip_accepted

TAG = etag_for(b"the playbook")


def test_the_tag_is_quoted_and_stable():
    assert TAG == etag_for(b"the playbook") != etag_for(b"another playbook")
    assert TAG.startswith('"') and TAG.endswith('"') and len(TAG) == 34


@pytest.mark.parametrize(
    "if_none_match",
    [
        TAG,
        f'"old", {TAG}',
        f'{TAG},"old"',
        f"W/{TAG}",  # weak comparison: a weak tag of the same value matches
        "*",
        f'  "old" ,  {TAG}  ',
    ],
)
def test_if_none_match_that_names_the_tag_matches(if_none_match):
    assert etag_matches(etag=TAG, if_none_match=if_none_match)


@pytest.mark.parametrize(
    "if_none_match",
    [
        "",
        '"old"',
        f"xx{TAG}yy",  # the tag inside other text is not an entity tag
        TAG.strip('"'),  # unquoted
        f'"x{TAG.strip(chr(34))}"',
        f"{TAG}*",
    ],
)
def test_if_none_match_that_does_not_name_the_tag_does_not_match(if_none_match):
    assert not etag_matches(etag=TAG, if_none_match=if_none_match)


@pytest.mark.parametrize(
    "accept_encoding",
    ["gzip", "gzip, br", "br;q=1.0, gzip;q=0.5", "GZIP", "x-gzip", "*", "deflate, *;q=0.1",
     "gzip;q=1"],
)  # fmt: skip
def test_gzip_is_accepted(accept_encoding):
    assert gzip_accepted(accept_encoding)


@pytest.mark.parametrize(
    "accept_encoding",
    ["", "identity", "br", "gzip;q=0", "gzip; q=0.0", "gzip;q=0, br", "*;q=0", "*, gzip;q=0",
     "gzip;q=nonsense", "gzipped", "notgzip"],
)  # fmt: skip
def test_gzip_is_not_accepted(accept_encoding):
    assert not gzip_accepted(accept_encoding)
