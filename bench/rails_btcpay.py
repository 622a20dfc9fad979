"""BTCPay webhooks under concurrency, against the Greenfield stand-in that the tests use.

1,000 gifts are started through the BTCPay provider (one invoice each) and paid on the
stand-in with its webhooks held; then every InvoiceSettled delivery is applied twice, by two
threads at once, each through the whole webhook path (BTCPay-Sig verified, the invoice
fetched again from the API, stored once, credited): exactly 1,000 contributions must
result. The rate is printed beside plain inserts of the same number of rows, same run.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

from bench.common import free_port, postgres_reachable, production_env, readerfund, report

GIFTS = 1000
STORE_ID = "store_bench"
API_KEY = "key_bench"
WEBHOOK_SECRET = "btcpay-bench-secret"  # noqa: S105 (a stand-in's, not a secret)

# Runs inside `readerfund manage shell` on the bench database; prints one JSON line.
SCRIPT = """
import json, threading, time, urllib.request
from django.db import connection
from django.db.models import Count
from django_tasks_db.models import DBTaskResult
from readerfund.payments.models import Contribution, PaymentAttempt, ProviderEvent
from readerfund.payments.providers.btcpay.provider import SIGNATURE_HEADER, BTCPayProvider
from readerfund.payments.services import provider_event_apply

GIFTS, STANDIN = {gifts}, "{standin}"
provider = BTCPayProvider()


def standin(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else b"" if method == "POST" else None
    request = urllib.request.Request(STANDIN + path, data=data, method=method,
                                     headers={{"Authorization": "token {api_key}"}})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


# Deliveries are held (recorded and signed, not sent): the threads below deliver them.
standin("POST", "/_standin/hold")
standin("POST", "/api/v1/stores/{store_id}/webhooks",
        {{"url": "http://127.0.0.1:9/", "secret": "{secret}"}})
deliveries = []
for n in range(GIFTS):
    attempt = PaymentAttempt.objects.create(
        provider="btcpay", frequency="one_off", amount=500, currency="USD",
        email=f"reader{{n % 50}}@example.org", campaign="end-of-article-ask", channel="ask",
    )
    result = provider.start(attempt=attempt, payment_token="")
    attempt.provider_reference = result.reference
    attempt.save(update_fields=["provider_reference"])
    settled = standin("POST", f"/_standin/invoices/{{result.reference}}/pay")["deliveries"][-1]
    found = standin("GET", f"/_standin/deliveries/{{settled}}")
    deliveries.append((found["body"].encode(), found["signature"]))


def in_threads(work, count=2):
    errors = []
    def run(index):
        try:
            work(index)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connection.close()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, errors


def baseline(thread):
    for n in range(GIFTS):
        PaymentAttempt.objects.create(
            provider="bench-baseline", frequency="one_off", amount=500, currency="USD",
            email=f"reader{{n % 50}}@example.org",
        )


outcomes = []
def deliver(thread):
    # Both threads deliver every delivery, in the same order: each one twice, racing.
    for body, signature in deliveries:
        event = provider.parse_webhook(body=body, headers={{SIGNATURE_HEADER: signature}})
        outcomes.append(provider_event_apply(provider="btcpay", event=event))


baseline_seconds, baseline_errors = in_threads(baseline)
deliver_seconds, deliver_errors = in_threads(deliver)
paid = Contribution.objects.filter(provider="btcpay")
per_attempt = paid.values("attempt").annotate(n=Count("id"))
print(json.dumps({{
    "baseline_rows": 2 * GIFTS, "baseline_seconds": baseline_seconds,
    "deliveries": 2 * GIFTS, "deliver_seconds": deliver_seconds,
    "errors": baseline_errors + deliver_errors,
    "applied": sum(1 for o in outcomes if o.applied),
    "contributions": Contribution.objects.filter(provider="btcpay").count(),
    "events": ProviderEvent.objects.filter(provider="btcpay").count(),
    "receipts": DBTaskResult.objects.filter(
        task_path="readerfund.payments.tasks.receipt_send").count(),
    "duplicates": sum(1 for row in per_attempt if row["n"] > 1),
}}))
"""


def _answering(url: str) -> bool:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url + f"/api/v1/stores/{STORE_ID}/payment-methods",
        headers={"Authorization": f"token {API_KEY}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=2):  # noqa: S310
            return True
    except (urllib.error.URLError, ConnectionError):
        return False


@contextlib.contextmanager
def standin() -> Iterator[str]:
    """The BTCPay stand-in of the tests, in its own process."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "readerfund.payments.providers.btcpay.tests.standin",
            "--port", str(port), "--store-id", STORE_ID, "--api-key", API_KEY,
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not _answering(url):
            if time.monotonic() > deadline:
                raise RuntimeError("the BTCPay stand-in did not come up")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def figures(database: str) -> None:
    with standin() as url:
        env_extra = {
            "BTCPAY_URL": url, "BTCPAY_STORE_ID": STORE_ID, "BTCPAY_API_KEY": API_KEY,
            "BTCPAY_WEBHOOK_SECRET": WEBHOOK_SECRET,
        }  # fmt: skip
        with production_env(database, public_url="http://127.0.0.1", extra_env=env_extra) as env:
            script = SCRIPT.format(
                gifts=GIFTS, standin=url, api_key=API_KEY, store_id=STORE_ID, secret=WEBHOOK_SECRET
            )
            output = readerfund("manage", "shell", "-v", "0", "-c", script, env=env).stdout
    result = json.loads(output.strip().splitlines()[-1])
    ok = (
        result["contributions"] == GIFTS
        and result["duplicates"] == 0
        and result["events"] == GIFTS
        and result["receipts"] == GIFTS
        and not result["errors"]
    )
    print(
        f"   {database}: {result['deliveries']} deliveries (each twice, two threads):"
        f" contributions {result['contributions']}, events stored {result['events']},"
        f" applied {result['applied']}, receipts {result['receipts']},"
        f" duplicates {result['duplicates']}, errors {len(result['errors'])}"
        f" — exactly once: {'OK' if ok else 'FAILED'}",
        flush=True,
    )
    for error in result["errors"][:5]:
        print(f"     error: {error}", flush=True)
    report(
        f"BTCPay deliveries applied/s, {database}",
        result["deliveries"] / result["deliver_seconds"],
        "/s",
        "plain inserts",
        result["baseline_rows"] / result["baseline_seconds"],
    )


def run() -> None:
    figures("sqlite")
    if postgres_reachable():
        figures("postgres")
    else:
        print("   (PostgreSQL skipped: not reachable)")
