"""The demo server reports a failed request through the filtered log, not straight to stderr."""

from __future__ import annotations

import io
import logging

from django.core.servers.basehttp import WSGIRequestHandler

from readerfund.demo.server import DemoServer


def test_an_error_serving_a_request_is_logged_with_the_network_only(capfd):
    # given the demo's server and the handler its request log is written by
    handlers = logging.getLogger("django.server").handlers
    [handler] = [h for h in handlers if h.get_name() == "django.server"]
    assert isinstance(handler, logging.StreamHandler)
    written = io.StringIO()
    previous = handler.setStream(written)
    server = DemoServer(("127.0.0.1", 0), WSGIRequestHandler)
    try:
        # when handling a reader's request fails
        try:
            raise RuntimeError("the handler broke")
        except RuntimeError:
            server.handle_error(None, ("203.0.113.57", 40312))  # type: ignore[arg-type]
    finally:
        server.server_close()
        handler.setStream(previous)

    # then the log names the reader's network and the error, and nothing else is printed
    logged = written.getvalue()
    assert "Exception while serving a request from ('203.0.113.0', 40312)" in logged
    assert "RuntimeError: the handler broke" in logged
    assert "203.0.113.57" not in logged + "".join(capfd.readouterr())
