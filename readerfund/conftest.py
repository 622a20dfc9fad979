"""Fixtures shared by every test: real Chromium driven by Playwright against a live server,
and a real local Stripe stand-in (localstripe) for the payment and checkout tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from readerfund.payments.providers.btcpay.tests.fixtures import (  # noqa: F401 (fixtures)
    btcpay_settings,
    btcpay_standin,
    btcpay_webhooks,
)
from readerfund.tests.processes import free_port, stop

# Playwright's sync API keeps an event loop in the test thread; the ORM calls that the
# tests make there are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("READERFUND_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; scripts/test installs Debian's chromium.")
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@dataclass
class BrowserLog:
    """What the page said on the console or threw, to assert a clean page."""

    errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def on_page_error(self, error: Exception) -> None:
        self.errors.append(str(error))


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def page(browser: Browser, browser_log: BrowserLog) -> Iterator[Page]:
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    new_page.on("console", browser_log.on_console)
    new_page.on("pageerror", browser_log.on_page_error)
    yield new_page
    context.close()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Each test starts with an empty cache: the playbook is cached per process."""
    from django.core.cache import cache

    from readerfund.campaigns.playbook import playbook_forget

    cache.clear()
    playbook_forget()
    yield
    cache.clear()
    playbook_forget()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A view that activated Russian leaves the test's thread speaking it (the test client
    runs requests in this thread): every test starts and ends in the default language."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


# ---- localstripe ---------------------------------------------------------------------------
# Each pytest process (each xdist worker) starts its own localstripe on a free port; every
# test that uses Stripe starts from an empty localstripe store.

# Test-mode keys of localstripe, which accepts any key: no secrets.
SECRET_KEY = "sk_test_readerfund"  # noqa: S105
PUBLISHABLE_KEY = "pk_test_readerfund"
WEBHOOK_SECRET = "whsec_test_readerfund"  # noqa: S105
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
    stop(process)


@pytest.fixture
def stripe_settings(settings: Settings, localstripe: LocalStripe) -> Settings:
    """Stripe configured against this process's localstripe, whose store starts empty."""
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.READERFUND_STRIPE_API_BASE = localstripe.url
    settings.READERFUND_STRIPE_JS_URL = f"{localstripe.url}/js.stripe.com/v3/"
    localstripe.flush()
    return settings


@pytest.fixture
def stripe_webhooks(
    stripe_settings: Settings, live_server: LiveServer, localstripe: LocalStripe
) -> Iterator[str]:
    """localstripe delivers its signed webhooks to this test's live server."""
    url = live_server.url + WEBHOOK_PATH
    localstripe.send_webhooks_to(url)
    yield url
    # localstripe cannot forget an endpoint: filter everything out instead, and give the
    # deliveries already under way (each waits 1 s) the time to land in this test.
    localstripe.send_webhooks_to(url, events=["readerfund.none"])
    time.sleep(1.5)
