"""A newsroom page on a second origin, for tests of the embed on someone else's site."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator
from functools import partial


class _HostPage(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, body: bytes, csp: str, **kwargs) -> None:
        self.body = body
        self.csp = csp
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Security-Policy", self.csp)
        # Django's default, as on a Django CMS: no Referer leaves the host's origin
        self.send_header("Referrer-Policy", "same-origin")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def host_page_serve(*, body: bytes, csp: str) -> Iterator[str]:
    """Serves `body` under `csp` on 127.0.0.1 (the live server is on localhost: another
    origin); yields the page's address."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_HostPage, body=body, csp=csp)
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/article"
    finally:
        server.shutdown()
