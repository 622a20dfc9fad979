"""Fixtures around the BTCPay stand-in (standin.py), started once per test process like
localstripe; readerfund/conftest.py makes them available to every test."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from readerfund.tests.processes import free_port, stop

if TYPE_CHECKING:
    from readerfund.payments.providers.btcpay.models import Pledge

STORE_ID = "store_test"
API_KEY = "key_test"
WEBHOOK_SECRET = "btcpay-webhook-secret-for-tests"
WEBHOOK_PATH = "/payments/webhooks/btcpay/"


@dataclass
class BTCPayStandIn:
    url: str
    log: Path

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(  # noqa: S310 (loopback)
            self.url + path,
            data=json.dumps(body).encode()
            if body is not None
            else b""
            if method == "POST"
            else None,
            method=method,
            headers={"Authorization": f"token {API_KEY}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return json.loads(response.read() or b"null")

    def act(self, invoice_id: str, action: str) -> list[str]:
        """The reader on BTCPay's checkout: pay, partial, over, expire or late. Returns the
        deliveries made (sent at once unless held)."""
        answer = self.call("POST", f"/_standin/invoices/{invoice_id}/{action}")
        return list(answer["deliveries"])

    def delivery(self, delivery_id: str) -> tuple[bytes, str]:
        """A delivery's exact body and its BTCPay-Sig, to post again."""
        found = self.call("GET", f"/_standin/deliveries/{delivery_id}")
        return found["body"].encode(), found["signature"]

    def hold(self, held: bool = True) -> None:
        self.call("POST", "/_standin/hold" if held else "/_standin/release")

    def send_webhooks_to(self, url: str) -> str:
        webhook = self.call(
            "POST", f"/api/v1/stores/{STORE_ID}/webhooks", {"url": url, "secret": WEBHOOK_SECRET}
        )
        return str(webhook["id"])


@pytest.fixture(scope="session")
def btcpay_standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BTCPayStandIn]:
    port = free_port()
    log = tmp_path_factory.mktemp("btcpay") / "standin.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "readerfund.payments.providers.btcpay.tests.standin",
                "--port", str(port), "--store-id", STORE_ID, "--api-key", API_KEY,
            ],
            stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = BTCPayStandIn(url=f"http://127.0.0.1:{port}", log=log)
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            pytest.fail(f"the BTCPay stand-in exited:\n{log.read_text()}")
        try:
            server.call("GET", f"/api/v1/stores/{STORE_ID}/payment-methods")
            break
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the BTCPay stand-in did not answer:\n{log.read_text()}")
            time.sleep(0.1)  # the process is starting; nothing else to wait on
    yield server
    stop(process)


@pytest.fixture
def btcpay_settings(settings: Settings, btcpay_standin: BTCPayStandIn) -> Settings:
    """BTCPay configured against the stand-in, whose store starts empty, with a webhook
    registered that nobody receives (tests post its deliveries themselves)."""
    settings.BTCPAY_URL = btcpay_standin.url
    settings.BTCPAY_STORE_ID = STORE_ID
    settings.BTCPAY_API_KEY = API_KEY
    settings.BTCPAY_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.READERFUND_PAYMENT_METHODS = {"*": ["btcpay", "bank_transfer"]}
    btcpay_standin.call("POST", "/_standin/reset")
    btcpay_standin.hold()
    btcpay_standin.send_webhooks_to("http://127.0.0.1:9/unreachable")
    return settings


@pytest.fixture
def btcpay_webhooks(
    btcpay_settings: Settings, live_server: LiveServer, btcpay_standin: BTCPayStandIn
) -> Iterator[None]:
    """The stand-in delivers its signed webhooks to this test's live server, at once."""
    btcpay_standin.call("POST", "/_standin/reset")
    btcpay_standin.send_webhooks_to(live_server.url + WEBHOOK_PATH)
    btcpay_standin.hold(False)
    yield
    btcpay_standin.call("POST", "/_standin/reset")


def crypto_pledge(
    *, email: str = "reader@example.org", frequency: str = "monthly", amount: int = 500
) -> Pledge:
    """A regular crypto gift whose first invoice was paid on the test checkout page (the
    crypto test mode's signed delivery, through the real webhook pipeline)."""
    # (imported here: this module is loaded by readerfund/conftest.py before Django is set up)
    from readerfund.payments.models import PaymentAttempt
    from readerfund.payments.providers.btcpay.models import Pledge
    from readerfund.payments.providers.btcpay.sandbox import (
        SANDBOX_SIGNATURE_HEADER,
        BTCPayTestProvider,
    )
    from readerfund.payments.services import provider_event_apply

    attempt = PaymentAttempt.objects.create(
        provider="btcpay_test", frequency=frequency, amount=amount, currency="USD",
        email=email, name="A Reader",
    )  # fmt: skip
    provider = BTCPayTestProvider()
    result = provider.start(attempt=attempt, payment_token="")
    attempt.provider_reference = result.reference
    attempt.save(update_fields=["provider_reference"])
    body, signature = provider.delivery_for(attempt=attempt, outcome="pay")
    event = provider.parse_webhook(body=body, headers={SANDBOX_SIGNATURE_HEADER: signature})
    provider_event_apply(provider=provider.identifier, event=event)
    return Pledge.objects.get(attempt=attempt)
