"""The WSGI fast path answers exactly as the Django view would, without a query."""

from __future__ import annotations

import gzip
from wsgiref.util import setup_testing_defaults

import pytest

from readerfund.campaigns.tests.factories import campaign_create
from readerfund.wsgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def _call(path: str, method: str = "GET", **headers: str) -> tuple[str, dict[str, str], bytes]:
    environ: dict[str, object] = {"PATH_INFO": path, "REQUEST_METHOD": method}
    environ.update({"HTTP_" + name.upper(): value for name, value in headers.items()})
    setup_testing_defaults(environ)
    answer: dict[str, object] = {}

    def start_response(status: str, header_list: list[tuple[str, str]]) -> None:
        answer.update(status=status, headers=dict(header_list))

    body = b"".join(application(environ, start_response))
    return str(answer["status"]), answer["headers"], body  # type: ignore[return-value]


def test_fast_path_and_view_give_the_same_answer(client):
    campaign_create(slug="banner")
    view = client.get("/embed.js")

    status, headers, body = _call("/embed.js")

    assert status == "200 OK"
    assert body == view.content
    for name in ("ETag", "Cache-Control", "Content-Type", "Cross-Origin-Resource-Policy"):
        assert headers[name] == view[name]


def test_fast_path_serves_gzip_when_accepted_and_304_when_unchanged(django_assert_num_queries):
    campaign_create(slug="banner")
    _, plain_headers, plain = _call("/embed.js")

    with django_assert_num_queries(0):
        _, headers, body = _call("/embed.js", accept_encoding="gzip, br")
        status, _, empty = _call("/embed.js", if_none_match=plain_headers["ETag"])

    assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == plain
    assert status == "304 Not Modified" and empty == b""


@pytest.mark.parametrize("path", ["/embed.js", "/api/playbook.json"])
def test_an_if_none_match_that_only_contains_the_etag_gets_the_body(path):
    # given a client whose If-None-Match holds the tag inside other text (issue 13, #8)
    campaign_create(slug="banner")
    _, headers, plain = _call(path)
    tag = headers["ETag"]

    # when it asks with that text, then with a list that names the tag, weakly
    status, _, body = _call(path, if_none_match=f"xx{tag}yy")
    listed, _, _ = _call(path, if_none_match=f'"other", W/{tag}')

    # then the first is not a match: it gets the whole body; the list is
    assert status == "200 OK" and body == plain
    assert listed == "304 Not Modified"


def test_gzip_refused_with_q_zero_is_not_sent():
    campaign_create(slug="banner")
    _, _, plain = _call("/embed.js")

    _, headers, body = _call("/embed.js", accept_encoding="gzip;q=0, identity")

    assert "Content-Encoding" not in headers
    assert body == plain


def test_other_requests_go_to_django():
    status, _, _ = _call("/embed.js", method="POST")
    assert status.startswith("4")  # Django's CSRF and method checks answer, not the fast path
    status, _, _ = _call("/healthz")
    assert status == "200 OK"
