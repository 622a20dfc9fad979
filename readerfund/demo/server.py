"""The demo's HTTP server: Django's development server, with its one unfiltered output fixed.

On an error while reading or answering a request, the standard library prints "Exception
occurred during processing of request from ('203.0.113.57', 40312)" straight to stderr,
past every logging filter. Here it goes through the `django.server` logger instead, whose
handler cuts the address to its network like every other log line (docs/privacy.md).
"""

from __future__ import annotations

import logging
import socket
from typing import Any

from django.core.servers.basehttp import WSGIServer, is_broken_pipe_error

logger = logging.getLogger("django.server")


class DemoServer(WSGIServer):
    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        if is_broken_pipe_error():
            logger.info("- Broken pipe from %s", client_address)
        else:
            logger.exception("Exception while serving a request from %s", client_address)
