"""A real local Stripe stand-in (localstripe) for the payment tests, and helpers around it.

Each pytest process (each xdist worker) starts its own localstripe on a free port; every
test that uses Stripe starts from an empty localstripe store.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from readerfund.payments.models import PaymentAttempt
from readerfund.payments.providers.stripe import STRIPE_API_VERSION
from readerfund.tests.processes import free_port

SECRET_KEY = "sk_test_readerfund"
PUBLISHABLE_KEY = "pk_test_readerfund"
WEBHOOK_SECRET = "whsec_test_readerfund"
WEBHOOK_PATH = "/payments/webhooks/stripe/"
WEBHOOK_ID = "readerfund"

VISA = "4242424242424242"
VISA_3DS = "4000000000003220"  # asks for 3-D Secure on every payment
DECLINED = "4000000000000002"  # declined as soon as it is attached to a customer
DECLINED_ON_CHARGE = "4000000000000341"  # attaches, then every charge is declined


@dataclass(frozen=True)
class LocalStripe:
    url: str
    log: Path

    def _call(self, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
        body = json.dumps(data).encode() if data is not None else None
        request = urllib.request.Request(  # noqa: S310 (loopback)
            self.url + path,
            data=body,
            method=method,
            headers={"Authorization": f"Bearer {SECRET_KEY}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            text = response.read().decode()
        return json.loads(text) if text.strip() else None

    def flush(self) -> None:
        self._call("DELETE", "/_config/data")

    def card_token(self, number: str = VISA) -> str:
        """What Stripe.js `createToken(cardElement)` does in the browser: a form post with
        the publishable key, answered with a `tok_…`."""
        form = urllib.parse.urlencode(
            {
                "card[number]": number,
                "card[exp_month]": "12",
                "card[exp_year]": "2034",
                "card[cvc]": "123",
                "key": PUBLISHABLE_KEY,
            }
        ).encode()
        with urllib.request.urlopen(self.url + "/v1/tokens", form, timeout=10) as response:  # noqa: S310
            return str(json.load(response)["id"])

    def authenticate(self, client_secret: str, *, success: bool) -> dict[str, Any]:
        """What the browser's Stripe.js does after the reader's bank challenge (3-D Secure):
        localstripe's stand-in for `confirmCardPayment(clientSecret)`."""
        intent = client_secret.split("_secret_")[0]
        query = "true" if success else "false"
        request = urllib.request.Request(  # noqa: S310 (loopback)
            f"{self.url}/v1/payment_intents/{intent}/_authenticate?success={query}",
            data=json.dumps({"key": PUBLISHABLE_KEY, "client_secret": client_secret}).encode(),
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return dict(json.load(response))

    def get(self, path: str) -> Any:
        return self._call("GET", path)

    def post(self, path: str, data: dict[str, Any]) -> Any:
        return self._call("POST", path, data)

    def events(self, type: str | None = None) -> list[dict[str, Any]]:
        """Every event localstripe made since the last flush, oldest first."""
        found: list[dict[str, Any]] = []
        after = ""
        while True:
            page = self.get("/v1/events?limit=100" + (f"&starting_after={after}" if after else ""))
            found.extend(page["data"])
            if not page["has_more"]:
                break
            after = page["data"][-1]["id"]
        return [event for event in found if type is None or event["type"] == type]

    def send_webhooks_to(self, url: str, *, events: list[str] | None = None) -> None:
        """Registers (or replaces) localstripe's webhook endpoint: it then posts every event,
        signed with WEBHOOK_SECRET, about a second after it happens."""
        config: dict[str, Any] = {"url": url, "secret": WEBHOOK_SECRET}
        if events is not None:
            config["events"] = events
        self.post(f"/_config/webhooks/{WEBHOOK_ID}", config)


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    port = free_port()
    log = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    with log.open("w") as output:
        # The access log goes to a file: a pipe nobody reads would fill up and stall it.
        process = subprocess.Popen(
            [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = LocalStripe(url=f"http://localhost:{port}", log=log)
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            pytest.fail(f"localstripe exited with {process.returncode}:\n{log.read_text()}")
        try:
            server.get("/v1/balance")
            break
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"localstripe did not answer on port {port}:\n{log.read_text()}")
            time.sleep(0.1)
    yield server
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def stripe_settings(settings, localstripe: LocalStripe):
    """Stripe configured against this process's localstripe, whose store starts empty."""
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.READERFUND_STRIPE_API_BASE = localstripe.url
    settings.READERFUND_STRIPE_JS_URL = f"{localstripe.url}/js.stripe.com/v3/"
    localstripe.flush()
    return settings


@pytest.fixture
def stripe_webhooks(stripe_settings, live_server, localstripe: LocalStripe) -> Iterator[str]:
    """localstripe delivers its signed webhooks to this test's live server."""
    url = live_server.url + WEBHOOK_PATH
    localstripe.send_webhooks_to(url)
    yield url
    # localstripe cannot forget an endpoint: filter everything out instead, and give the
    # deliveries already under way (each waits 1 s) the time to land in this test.
    localstripe.send_webhooks_to(url, events=["readerfund.none"])
    time.sleep(1.5)


@pytest.fixture
def make_attempt():
    def make(**fields: Any) -> PaymentAttempt:
        values: dict[str, Any] = {
            "provider": "stripe",
            "frequency": "one_off",
            "amount": 500,
            "currency": "USD",
            "email": "reader@example.org",
            "name": "A Reader",
            "campaign": "ask-2025",
            "variant": "b",
            "channel": "ask",
            **fields,
        }
        return PaymentAttempt.objects.create(**values)

    return make


def stripe_signature(body: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """`Stripe-Signature` as Stripe computes it: HMAC-SHA256 of "<t>.<body>"."""
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@pytest.fixture
def post_webhook(client):
    """Posts a Stripe event to the webhook endpoint, signed like Stripe does (or not)."""

    def post(
        event: dict[str, Any] | bytes,
        *,
        signature: str | None = None,
        secret: str = WEBHOOK_SECRET,
        at: int | None = None,
        http=None,
    ):
        body = event if isinstance(event, bytes) else json.dumps(event).encode()
        headers = {}
        header = stripe_signature(body, secret=secret, at=at) if signature is None else signature
        if header:
            headers["Stripe-Signature"] = header
        return (http or client).post(
            WEBHOOK_PATH, data=body, content_type="application/json", headers=headers
        )

    return post


def stripe_event(type: str, obj: dict[str, Any], *, created: int | None = None, **extra: Any):
    """An event envelope as Stripe sends it, around a real object taken from localstripe.

    For the event types localstripe never emits (refunds, disputes, subscription updates).
    """
    digest = hashlib.sha256(json.dumps([type, obj, created]).encode()).hexdigest()
    return {
        "id": f"evt_test_{digest[:20]}",
        "object": "event",
        "api_version": STRIPE_API_VERSION,
        "created": int(time.time()) if created is None else created,
        "livemode": False,
        "type": type,
        "data": {"object": obj},
        **extra,
    }
