"""A small SMTP server on loopback for tests that run real worker processes.

It speaks just enough SMTP for Django's SMTP backend (EHLO/HELO, MAIL, RCPT, DATA, RSET,
NOOP, QUIT), keeps every accepted message, and can hold new connections before its
greeting — a slow mail server — so that a test can kill a worker in the middle of a send.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import Message


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.server.connections += 1
        while self.server.holding.is_set():
            if self.server.closing.wait(0.05):
                return
        self._reply("220 readerfund-test ESMTP")
        while line := self.rfile.readline():
            verb = line.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
            if verb == "EHLO":
                self._reply("250-readerfund-test", "250 8BITMIME")
            elif verb == "DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                self._receive_data()
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:  # HELO, MAIL, RCPT, RSET, NOOP: accepted as they are
                self._reply("250 ok")

    def _receive_data(self) -> None:
        lines = []
        while (line := self.rfile.readline()) not in {b".\r\n", b""}:
            lines.append(line[1:] if line.startswith(b"..") else line)
        with self.server.lock:
            self.server.messages.append(message_from_bytes(b"".join(lines)))
        self._reply("250 queued")

    def _reply(self, *lines: str) -> None:
        self.wfile.write("".join(f"{line}\r\n" for line in lines).encode())


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.messages: list[Message] = []
        self.connections = 0
        self.lock = threading.Lock()
        self.holding = threading.Event()
        self.closing = threading.Event()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def hold(self) -> None:
        """New connections wait before the greeting until `release`."""
        self.holding.set()

    def release(self) -> None:
        self.holding.clear()


SMTPServer = _Server


@contextmanager
def smtp_server() -> Iterator[SMTPServer]:
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.closing.set()
        server.shutdown()
        server.server_close()
