"""Serving the embed and the playbook, shared by the Django views and the WSGI fast path.

Every page view of every reader asks for `/embed.js` (mostly answered by a CDN or the
browser cache, but not always), so the origin answers it like a static file: from this
process's memory, before Django's middleware, with no database query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from readerfund.campaigns.playbook import playbook_current
from readerfund.core.embedding import embedding_headers
from readerfund.core.http import etag_matches, gzip_accepted

# Short enough that an editor's change reaches readers within a minute; long enough that a
# CDN absorbs the traffic. ETag makes the revalidation a 304 of a few bytes.
CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"
PATHS = {"/embed.js", "/api/playbook.json"}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def playbook_answer(
    *, path: str, if_none_match: str, accept_encoding: str, origin: str | None
) -> Answer:
    playbook = playbook_current()
    if path == "/embed.js":
        etag, content_type = playbook.embed_etag, "text/javascript; charset=utf-8"
        body, gzipped = playbook.embed_js, playbook.embed_js_gzip
    else:
        etag, content_type = playbook.etag, "application/json"
        body, gzipped = playbook.json, None
    headers = {
        "ETag": etag,
        "Cache-Control": CACHE_CONTROL,
        "Vary": "Accept-Encoding, Origin",
        "X-Content-Type-Options": "nosniff",
        **embedding_headers(origin),
    }
    if etag_matches(etag=etag, if_none_match=if_none_match):
        return Answer(304, headers, b"")
    if gzipped is not None and gzip_accepted(accept_encoding):
        headers["Content-Encoding"] = "gzip"
        body = gzipped
    headers["Content-Type"] = content_type
    headers["Content-Length"] = str(len(body))
    return Answer(200, headers, body)


StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class PlaybookFastPath:
    """WSGI middleware: GET/HEAD of the embed and the playbook skip Django's request cycle."""

    def __init__(self, application: WSGIApp) -> None:
        self.application = application

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "")
        if path not in PATHS or method not in {"GET", "HEAD"}:
            return self.application(environ, start_response)
        answer = playbook_answer(
            path=path,
            if_none_match=environ.get("HTTP_IF_NONE_MATCH", ""),
            accept_encoding=environ.get("HTTP_ACCEPT_ENCODING", ""),
            origin=environ.get("HTTP_ORIGIN"),
        )
        reason = "OK" if answer.status == 200 else "Not Modified"
        start_response(f"{answer.status} {reason}", list(answer.headers.items()))
        return [b"" if method == "HEAD" else answer.body]
