"""A newsroom page on a second origin, for tests of the embed on someone else's site."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator
from functools import partial


class _HostPage(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, body: bytes, csp: str, headers: dict[str, str], **kwargs) -> None:
        self.body = body
        self.csp = csp
        self.extra_headers = headers
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Security-Policy", self.csp)
        # Django's default, as on a Django CMS: no Referer leaves the host's origin (a
        # test may send another through `headers`)
        headers = {"Referrer-Policy": "same-origin", **self.extra_headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def host_page_serve(
    *, body: bytes, csp: str, headers: dict[str, str] | None = None, host: str = "127.0.0.1"
) -> Iterator[str]:
    """Serves `body` under `csp` (and `headers`) at every path on 127.0.0.1 (the live server
    is on localhost: another origin); yields the address of an article there, named by
    `host` (e.g. `www.news.localhost`, which Chromium resolves to the loopback)."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_HostPage, body=body, csp=csp, headers=headers or {})
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{host}:{server.server_address[1]}/2025/an-article?page=1"
    finally:
        server.shutdown()
