"""Card checkout on `readerfund serve` with localstripe standing in for Stripe.

- from the end-of-article ask to a payment form the reader can type into, in Chromium,
  beside loading the demo article itself;
- the reader's interactions for a monthly card gift from the ask, beside the target of three
  steps ("choose amount, enter card, pay");
- payment starts under concurrency on PostgreSQL, each sandbox success event applied twice
  from two threads: nothing doubled, nothing lost; beside plain attempt-row inserts.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from bench.common import (
    CHROMIUM,
    Server,
    free_port,
    median,
    postgres_reachable,
    production_server,
    readerfund,
    report,
    wait_until_up,
)

RUNS = 10
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Test-mode keys of localstripe, which accepts any key: no secrets.
SECRET_KEY = "sk_test_readerfund_bench"  # noqa: S105
PUBLISHABLE_KEY = "pk_test_readerfund_bench"
WEBHOOK_SECRET = "whsec_test_readerfund_bench"  # noqa: S105
VISA = "4242424242424242"
TARGET_STEPS = 3  # "choose amount, enter card, pay"
THREADS = 16
STARTS_PER_THREAD = 25


# ---- localstripe ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalStripe:
    url: str

    def env(self) -> dict[str, str]:
        """What `readerfund serve` needs to offer cards through this localstripe."""
        return {
            "STRIPE_SECRET_KEY": SECRET_KEY,
            "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "READERFUND_STRIPE_API_BASE": self.url,
            "READERFUND_STRIPE_JS_URL": f"{self.url}/js.stripe.com/v3/",
            "READERFUND_PAYMENT_METHODS": "*:stripe,bank_transfer",
        }

    def send_webhooks_to(self, url: str) -> None:
        request = urllib.request.Request(  # noqa: S310 (loopback)
            f"{self.url}/_config/webhooks/readerfund",
            data=json.dumps({"url": url, "secret": WEBHOOK_SECRET}).encode(),
            method="POST",
            headers={"Authorization": f"Bearer {SECRET_KEY}", "Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310


@contextlib.contextmanager
def localstripe() -> Iterator[LocalStripe]:
    port = free_port()
    with tempfile.TemporaryFile("w+") as log:
        # The access log goes to a file: a pipe nobody reads would fill up and stall it.
        process = subprocess.Popen(
            [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_up(url + "/js.stripe.com/v3/", timeout=30)
            yield LocalStripe(url)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# ---- the browser ---------------------------------------------------------------------------


def demo_articles(server: Server) -> list[str]:
    """Article addresses linked from the demo's front page, in page order."""
    with urllib.request.urlopen(server.url + "/demo/") as page:  # noqa: S310 (loopback)
        html = page.read().decode()
    found = re.findall(r'href="(/demo/[a-z0-9-]+/[a-z0-9-]+/)"', html)
    articles = [path for path in dict.fromkeys(found) if not path.startswith("/demo/section/")]
    assert len(articles) >= 2, "the demo front page links at least two articles"
    return articles


def _ready(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("data-readerfund", "ready")


def _card_number(page: Page) -> Locator:
    return page.get_by_role("group", name="Card details").get_by_placeholder("number", exact=True)


def _ask_on_second_article(page: Page, server: Server, articles: list[str]) -> Locator:
    """A new reader's second article, where the end-of-article ask shows."""
    page.goto(server.url + articles[0])
    _ready(page)
    page.goto(server.url + articles[1])
    _ready(page)
    ask = page.locator(".readerfund-ask")
    expect(ask).to_be_visible()
    return ask


# On every page of the context: the moment of the reader's click (kept in sessionStorage, as
# the click leaves the page) and the moment the card's number input exists, is shown and
# takes input. Epoch-based high-resolution times, comparable across the two pages.
TIMING = """
addEventListener("click", () => {
  sessionStorage.setItem("rf-bench-click", String(performance.timeOrigin + performance.now()));
}, true);
const rfCardReady = () => {
  const input = document.querySelector('#card-element input[placeholder="number"]');
  if (input && !input.disabled && input.getClientRects().length && !window.__rfCardReady) {
    window.__rfCardReady = performance.timeOrigin + performance.now();
  }
  return Boolean(window.__rfCardReady);
};
new MutationObserver((_, observer) => { if (rfCardReady()) observer.disconnect(); })
  .observe(document, {childList: true, subtree: true, attributes: true});
"""


LOAD_END = "performance.getEntriesByType('navigation')[0].loadEventEnd"


@dataclass(frozen=True)
class AskRun:
    form: float  # the click on the ask's "Give …" link → a card form that takes input
    first_byte: float  # of which: the click → the give page's first byte
    article: float  # the baseline: navigation start → load event of the article with the ask


def ask_to_payment_form(browser: Browser, server: Server, articles: list[str]) -> AskRun:
    """One new reader (fresh context, empty storage): article, article with the ask, click."""
    context = browser.new_context(locale="en-US")
    context.add_init_script(TIMING)
    try:
        page = context.new_page()
        ask = _ask_on_second_article(page, server, articles)
        page.wait_for_function(f"{LOAD_END} > 0")
        article = float(page.evaluate(LOAD_END)) / 1000
        ask.get_by_role("link", name=re.compile(r"^Give ")).click()
        number = _card_number(page)
        expect(number).to_be_visible(timeout=30_000)
        expect(number).to_be_enabled()
        page.wait_for_function("window.__rfCardReady")
        form, first_byte = page.evaluate(
            """(() => {
              const click = Number(sessionStorage.getItem("rf-bench-click"));
              const nav = performance.getEntriesByType("navigation")[0];
              return [window.__rfCardReady - click,
                      performance.timeOrigin + nav.responseStart - click];
            })()"""
        )
        return AskRun(float(form) / 1000, float(first_byte) / 1000, article)
    finally:
        context.close()


@dataclass
class Interactions:
    """Counts what the reader does: each click and each field filled is one interaction."""

    steps: list[tuple[str, str]] = field(default_factory=list)

    def click(self, what: str, locator: Locator) -> None:
        locator.click()
        self.steps.append(("click", what))

    def fill(self, what: str, locator: Locator, value: str) -> None:
        locator.fill(value)
        self.steps.append(("fill", what))


def monthly_gift_interactions(browser: Browser, server: Server, articles: list[str]) -> list[Any]:
    """A monthly $2 card gift from the ask to the thank-you page; the interactions it took."""
    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        ask = _ask_on_second_article(page, server, articles)
        done = Interactions()
        monthly = ask.get_by_role("button", name="Monthly")
        if monthly.count() and monthly.get_attribute("aria-pressed") != "true":
            done.click("ask: monthly", monthly)
        done.click("ask: amount $2", ask.get_by_role("button", name="$2", exact=True))
        done.click("ask: give link", ask.get_by_role("link", name="Give $2 a month"))
        pay = page.get_by_role("button", name="Give $2 monthly")
        expect(pay).to_be_visible()
        done.fill("email", page.get_by_label("Email"), "bench.reader@example.org")
        card = page.get_by_role("group", name="Card details")
        for placeholder, value in [
            ("number", VISA),
            ("exp_month", "12"),
            ("exp_year", "30"),
            ("cvc", "123"),
            ("postal_code", "12345"),
        ]:
            done.fill(
                f"card {placeholder}", card.get_by_placeholder(placeholder, exact=True), value
            )
        done.click("pay", pay)
        expect(page.get_by_role("heading", name="Thank you!")).to_be_visible(timeout=30_000)
        return done.steps
    finally:
        context.close()


def browser_figures(server: Server) -> None:
    articles = demo_articles(server)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            ask_to_payment_form(browser, server, articles)  # warm-up: caches, workers
            runs = [ask_to_payment_form(browser, server, articles) for _ in range(RUNS)]
            report(
                f"ask click -> card form ready (median of {RUNS})",
                median([r.form for r in runs]) * 1000,
                "ms",
                "demo article load (nav start -> load)",
                median([r.article for r in runs]) * 1000,
            )
            print(
                "   of which click -> give page's first byte (median):"
                f" {median([r.first_byte for r in runs]) * 1000:.0f} ms;"
                f" card form ready, all runs (ms): {sorted(round(r.form * 1000) for r in runs)}",
                flush=True,
            )
            steps = monthly_gift_interactions(browser, server, articles)
        finally:
            browser.close()
    clicks = sum(1 for kind, _ in steps if kind == "click")
    print("   monthly card gift from the ask, as scripted:", flush=True)
    for kind, what in steps:
        print(f"     {kind:<5} {what}", flush=True)
    print(f"   = {clicks} clicks + {len(steps) - clicks} field fills", flush=True)
    print(
        "   (localstripe's card element is five inputs; Stripe's own is one field that moves"
        " from number to expiry, CVC and postal code as the reader types)",
        flush=True,
    )
    report(
        "reader interactions, monthly card gift",
        len(steps),
        "actions",
        "target steps (amount, card, pay)",
        TARGET_STEPS,
    )


# ---- payment starts under concurrency ------------------------------------------------------

# Runs inside `readerfund manage shell` on the bench database; prints one JSON line.
CONCURRENCY_SCRIPT = """
import json, threading, time
from django.db import connection
from django.db.models import Count
from django_tasks_db.models import DBTaskResult
from readerfund.checkout.services import checkout_start
from readerfund.payments.models import Contribution, PaymentAttempt, ProviderEvent, RecurringPlan
from readerfund.payments.providers.sandbox.provider import SIGNATURE_HEADER, SandboxProvider
from readerfund.payments.services import provider_event_apply

THREADS, PER_THREAD = {threads}, {per_thread}
provider = SandboxProvider()


def in_threads(work):
    errors = []
    def run(index):
        try:
            work(index)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, errors


def data(thread, n):
    return {{
        "frequency": "monthly" if n % 2 else "one_off", "amount_minor": 500,
        "currency": "USD", "email": f"reader{{(thread * PER_THREAD + n) % 50}}@example.org",
        "name": "", "campaign": "end-of-article-ask", "variant": "control", "channel": "ask",
        "return_to": "", "payment_token": "",
    }}


def baseline(thread):
    for n in range(PER_THREAD):
        d = data(thread, n)
        PaymentAttempt.objects.create(
            provider="bench-baseline", frequency=d["frequency"], amount=d["amount_minor"],
            currency=d["currency"], email=d["email"], campaign=d["campaign"],
            variant=d["variant"], channel=d["channel"],
        )


started = {{}}
def start(thread):
    started[thread] = [
        checkout_start(data=data(thread, n), provider=provider, language="en").attempt
        for n in range(PER_THREAD)
    ]


outcomes = []
def apply(thread):
    # Thread t applies its own attempts and, step by step alongside, those of thread t-1,
    # which thread t-1 applies at the same moment: every event twice, racing.
    mine, theirs = started[thread], started[(thread - 1) % THREADS]
    for a, b in zip(mine, theirs):
        for attempt in (a, b):
            body, signature = provider.event_for(attempt=attempt, paid=True)
            event = provider.parse_webhook(body=body, headers={{SIGNATURE_HEADER: signature}})
            outcomes.append(provider_event_apply(provider="sandbox", event=event))


baseline_seconds, baseline_errors = in_threads(baseline)
start_seconds, start_errors = in_threads(start)
apply_seconds, apply_errors = in_threads(apply)
attempts = PaymentAttempt.objects.filter(provider="sandbox")
per_attempt = (
    Contribution.objects.filter(provider="sandbox").values("attempt").annotate(n=Count("id"))
)
print(json.dumps({{
    "rows": THREADS * PER_THREAD,
    "baseline_rows": PaymentAttempt.objects.filter(provider="bench-baseline").count(),
    "baseline_seconds": baseline_seconds,
    "start_seconds": start_seconds,
    "apply_seconds": apply_seconds,
    "errors": baseline_errors + start_errors + apply_errors,
    "attempts": attempts.count(),
    "applications": len(outcomes),
    "applied": sum(1 for o in outcomes if o.applied),
    "contributions": Contribution.objects.filter(provider="sandbox").count(),
    "plans": RecurringPlan.objects.filter(provider="sandbox").count(),
    "events": ProviderEvent.objects.filter(provider="sandbox").count(),
    "receipts": DBTaskResult.objects.filter(
        task_path="readerfund.payments.tasks.receipt_send").count(),
    "duplicates": sum(1 for row in per_attempt if row["n"] > 1),
    # In Python, not NOT IN over a nullable column: one NULL would hide every lost attempt.
    "lost": len(
        set(attempts.values_list("pk", flat=True))
        - set(Contribution.objects.values_list("attempt_id", flat=True))
    ),
}}))
"""


def concurrency_figures() -> None:
    if not postgres_reachable():
        print("   (skipped: PostgreSQL is not reachable; payment-start concurrency runs on it)")
        return
    with production_server(database="postgres") as server:
        script = CONCURRENCY_SCRIPT.format(threads=THREADS, per_thread=STARTS_PER_THREAD)
        output = readerfund("manage", "shell", "-v", "0", "-c", script, env=server.env).stdout
    result = json.loads(output.strip().splitlines()[-1])
    rows = result["rows"]
    print(
        f"   {THREADS} threads x {STARTS_PER_THREAD} sandbox starts, each success event applied"
        f" twice: attempts {result['attempts']}, contributions {result['contributions']}"
        f" (plans {result['plans']}), events stored {result['events']},"
        f" applied {result['applied']} of {result['applications']},"
        f" receipts queued {result['receipts']}, duplicates {result['duplicates']},"
        f" lost {result['lost']}, errors {len(result['errors'])}",
        flush=True,
    )
    for error in result["errors"][:5]:
        print(f"     error: {error}", flush=True)
    ok = (
        result["attempts"] == rows
        and result["contributions"] == rows
        and result["duplicates"] == 0
        and result["lost"] == 0
        and result["receipts"] == rows
        and result["plans"] == THREADS * (STARTS_PER_THREAD // 2)
        and not result["errors"]
    )
    print(f"   exactly-once under concurrency: {'OK' if ok else 'FAILED'}", flush=True)
    report(
        "payment starts/s, PostgreSQL, 16 threads",
        rows / result["start_seconds"],
        "/s",
        "plain PaymentAttempt inserts",
        result["baseline_rows"] / result["baseline_seconds"],
    )
    report(
        "sandbox events applied/s (each twice)",
        result["applications"] / result["apply_seconds"],
        "/s",
        "plain PaymentAttempt inserts",
        result["baseline_rows"] / result["baseline_seconds"],
    )


def run() -> None:
    with localstripe() as stripe, production_server(extra_env=stripe.env()) as server:
        stripe.send_webhooks_to(server.url + "/payments/webhooks/stripe/")
        browser_figures(server)
    concurrency_figures()
