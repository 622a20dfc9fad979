"""A tiny local stand-in for Stripe's /v1/webhook_endpoints, answering with the recorded
response shapes in stripe_api/ (localstripe has no such endpoint). Real HTTP: our code and
the Stripe SDK run unchanged against it."""

from __future__ import annotations

import contextlib
import copy
import json
import secrets
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).parent / "stripe_api"


def _recorded(name: str) -> dict[str, Any]:
    recorded: dict[str, Any] = json.loads((RECORDED / f"{name}.json").read_text())
    return recorded


class StripeEndpoints:
    def __init__(self) -> None:
        self.endpoints: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def add(self, **fields: Any) -> dict[str, Any]:
        """An endpoint that already exists at Stripe (as the list returns it: no secret)."""
        endpoint = _recorded("webhook_endpoint")
        endpoint.pop("secret")
        endpoint.update(id=f"we_{secrets.token_hex(12)}", **fields)
        self.endpoints[endpoint["id"]] = endpoint
        return endpoint

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _form(self) -> dict[str, list[str]]:
                length = int(self.headers.get("Content-Length") or 0)
                text = self.rfile.read(length).decode() if length else ""
                return urllib.parse.parse_qs(text, keep_blank_values=True)

            def _record(self) -> tuple[str, dict[str, list[str]]]:
                path = urllib.parse.urlsplit(self.path).path
                form = self._form()
                stand_in.requests.append((self.command, path, form))
                return path, form

            def do_GET(self) -> None:
                path, _form = self._record()
                if path == "/v1/webhook_endpoints":
                    listed = _recorded("webhook_endpoint_list")
                    listed["data"] = list(stand_in.endpoints.values())
                    return self._answer(200, listed)
                return self._missing(path)

            def do_POST(self) -> None:
                path, form = self._record()
                # The SDK sends a list as enabled_events[0]=…&enabled_events[1]=…
                events = [
                    value for key, values in sorted(form.items())
                    if key.startswith("enabled_events[") for value in values
                ]  # fmt: skip
                if path == "/v1/webhook_endpoints":
                    created = _recorded("webhook_endpoint")
                    created.update(
                        id=f"we_{secrets.token_hex(12)}",
                        url=form["url"][0],
                        api_version=form.get("api_version", [None])[0],
                        description=form.get("description", [None])[0],
                        enabled_events=events,
                        secret=f"whsec_{secrets.token_hex(16)}",
                    )
                    stored = copy.deepcopy(created)
                    stored.pop("secret")
                    stand_in.endpoints[created["id"]] = stored
                    return self._answer(200, created)
                endpoint = stand_in.endpoints.get(path.rsplit("/", 1)[-1])
                if endpoint is None:
                    return self._missing(path)
                if events:
                    endpoint["enabled_events"] = events
                if "disabled" in form:
                    disabled = form["disabled"][0] == "true"
                    endpoint["status"] = "disabled" if disabled else "enabled"
                return self._answer(200, endpoint)

            def do_DELETE(self) -> None:
                path, _form = self._record()
                endpoint_id = path.rsplit("/", 1)[-1]
                if stand_in.endpoints.pop(endpoint_id, None) is None:
                    return self._missing(path)
                deleted = _recorded("webhook_endpoint_deleted")
                deleted["id"] = endpoint_id
                return self._answer(200, deleted)

            def _missing(self, path: str) -> None:
                # Stripe's error shape for an unknown object.
                self._answer(404, {"error": {
                    "code": "resource_missing", "type": "invalid_request_error",
                    "message": f"No such webhook endpoint: '{path.rsplit('/', 1)[-1]}'",
                }})  # fmt: skip

        return Handler


@contextlib.contextmanager
def stripe_endpoints_serve(settings: Any) -> Iterator[StripeEndpoints]:
    """Serves the stand-in and points readerfund's Stripe settings at it."""
    stand_in = StripeEndpoints()
    thread = threading.Thread(target=stand_in.server.serve_forever, daemon=True)
    thread.start()
    settings.STRIPE_SECRET_KEY = "sk_test_readerfund"
    settings.READERFUND_STRIPE_API_BASE = stand_in.url
    settings.READERFUND_PUBLIC_URL = "https://support.example.org"
    try:
        yield stand_in
    finally:
        stand_in.server.shutdown()
        stand_in.server.server_close()
