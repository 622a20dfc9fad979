"""A BTCPay Server stand-in for tests: the Greenfield calls readerfund makes, a checkout
page that "pays", and webhook deliveries signed as BTCPay signs them, with redelivery.

Written from BTCPay's published OpenAPI reference (invoices, stores' payment methods,
webhooks and deliveries). It keeps everything in memory and answers on one port:

    python -m readerfund.payments.providers.btcpay.tests.standin --port 8123 \\
        --store-id store_test --api-key key_test

Beyond BTCPay's own routes, `/_standin/…` lets a test act as the reader (pay, pay partly,
overpay, let expire), hold webhooks back (to test reconciliation) and read deliveries.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import html
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: The stand-in's exchange rate: 1 BTC = 50,000 in any currency.
RATE = Decimal("50000")
PAYMENT_METHODS = [
    {"paymentMethodId": "BTC-CHAIN", "enabled": True, "cryptoCode": "BTC"},
    {"paymentMethodId": "BTC-LN", "enabled": True, "cryptoCode": "BTC"},
]


class Store:
    def __init__(self, *, store_id: str, api_key: str, base_url: str) -> None:
        self.store_id, self.api_key, self.base_url = store_id, api_key, base_url
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.invoices: dict[str, dict[str, Any]] = {}
            self.paid: dict[str, Decimal] = {}  # BTC received per invoice
            self.webhooks: dict[str, dict[str, Any]] = {}
            self.deliveries: dict[str, dict[str, Any]] = {}
            self.held = False  # deliveries are recorded but not sent

    # ---- invoices ----------------------------------------------------------------------

    def invoice_create(self, body: dict[str, Any]) -> dict[str, Any]:
        now = int(time.time())
        invoice_id = "inv_" + uuid.uuid4().hex[:16]
        metadata = dict(body.get("metadata") or {})
        invoice = {
            "id": invoice_id, "storeId": self.store_id, "type": "Standard",
            "amount": str(Decimal(str(body["amount"]))), "currency": body["currency"],
            "checkoutLink": f"{self.base_url}/i/{invoice_id}", "status": "New",
            "additionalStatus": "None", "createdTime": now, "expirationTime": now + 900,
            "monitoringExpiration": now + 3600, "metadata": metadata,
            "checkout": dict(body.get("checkout") or {}), "archived": False,
        }  # fmt: skip
        with self.lock:
            self.invoices[invoice_id] = invoice
            self.paid[invoice_id] = Decimal(0)
        self.emit("InvoiceCreated", invoice)
        return invoice

    def due_btc(self, invoice: dict[str, Any]) -> Decimal:
        return (Decimal(invoice["amount"]) / RATE).quantize(Decimal("0.00000001"))

    def act(self, invoice_id: str, action: str) -> list[str]:
        """What the reader does on the checkout page; returns the deliveries made."""
        invoice = self.invoices[invoice_id]
        due = self.due_btc(invoice)
        sent: list[str] = []
        if action in {"pay", "over", "partial"}:
            part = {"pay": Decimal(1), "over": Decimal("1.5"), "partial": Decimal("0.5")}[action]
            amount = (due * part).quantize(Decimal("0.00000001"))
            self.paid[invoice_id] += amount
            payment = {"id": uuid.uuid4().hex, "value": str(amount), "status": "Settled"}
            extra = {"afterExpiration": False, "paymentMethod": "BTC-CHAIN", "payment": payment}
            sent += self.emit("InvoiceReceivedPayment", invoice, **extra)
            sent += self.emit("InvoicePaymentSettled", invoice, **extra)
        if action in {"pay", "over"}:
            over = action == "over"
            invoice["status"] = "Processing"
            invoice["additionalStatus"] = "PaidOver" if over else "None"
            sent += self.emit("InvoiceProcessing", invoice, overPaid=over)
            invoice["status"] = "Settled"
            sent += self.emit("InvoiceSettled", invoice, overPaid=over, manuallyMarked=False)
        elif action in {"partial", "expire"}:
            partly = self.paid[invoice_id] > 0
            invoice["status"] = "Expired"
            invoice["additionalStatus"] = "PaidPartial" if partly else "None"
            sent += self.emit("InvoiceExpired", invoice, partiallyPaid=partly)
        elif action == "late":  # expired unpaid, then paid in full after the expiry
            invoice["status"] = "Expired"
            sent += self.emit("InvoiceExpired", invoice, partiallyPaid=False)
            self.paid[invoice_id] += due
            invoice["additionalStatus"] = "PaidLate"
            sent += self.emit("InvoiceReceivedPayment", invoice, afterExpiration=True)
        return sent

    def payment_methods_of(self, invoice_id: str) -> list[dict[str, Any]]:
        invoice = self.invoices[invoice_id]
        due, paid = self.due_btc(invoice), self.paid[invoice_id]
        return [
            {
                "paymentMethodId": "BTC-CHAIN", "currency": "BTC", "rate": str(RATE),
                "amount": str(due), "totalPaid": str(paid), "paymentMethodPaid": str(paid),
                "due": str(max(due - paid, Decimal(0))), "destination": "bcrt1q" + invoice_id,
            }
        ]  # fmt: skip

    # ---- webhooks ----------------------------------------------------------------------

    def emit(self, type_: str, invoice: dict[str, Any], **extra: Any) -> list[str]:
        made = []
        for webhook in list(self.webhooks.values()):
            delivery_id = "dlv_" + uuid.uuid4().hex[:16]
            body = {
                "deliveryId": delivery_id, "webhookId": webhook["id"],
                "originalDeliveryId": delivery_id, "isRedelivery": False, "type": type_,
                "timestamp": int(time.time()), "storeId": self.store_id,
                "invoiceId": invoice["id"], "metadata": invoice["metadata"], **extra,
            }  # fmt: skip
            self.deliveries[delivery_id] = {
                "webhook": webhook["id"],
                "body": json.dumps(body).encode(),
                "httpCode": 0,
            }
            made.append(delivery_id)
            if not self.held:
                self.send(delivery_id)
        return made

    def signature(self, delivery_id: str) -> str:
        delivery = self.deliveries[delivery_id]
        secret = self.webhooks[delivery["webhook"]]["secret"]
        return "sha256=" + hmac.new(secret.encode(), delivery["body"], hashlib.sha256).hexdigest()

    def send(self, delivery_id: str) -> int:
        delivery = self.deliveries[delivery_id]
        url = self.webhooks[delivery["webhook"]]["url"]
        request = urllib.request.Request(  # noqa: S310 (the test's own server)
            url,
            data=delivery["body"],
            method="POST",
            headers={"Content-Type": "application/json", "BTCPay-Sig": self.signature(delivery_id)},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                code = int(response.status)
        except urllib.error.HTTPError as error:
            code = error.code
        except (urllib.error.URLError, OSError):
            code = 0
        delivery["httpCode"] = code
        return code

    def redeliver(self, delivery_id: str) -> str:
        original = self.deliveries[delivery_id]
        body = json.loads(original["body"])
        new_id = "dlv_" + uuid.uuid4().hex[:16]
        body.update(deliveryId=new_id, isRedelivery=True, timestamp=int(time.time()))
        self.deliveries[new_id] = {
            "webhook": original["webhook"],
            "body": json.dumps(body).encode(),
            "httpCode": 0,
        }
        self.send(new_id)
        return new_id


CHECKOUT_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>BTCPay stand-in: invoice {id}</title><link rel="icon" href="data:,"></head><body>
<h1>Pay {amount} {currency}</h1><p id="status">{status} {additional}</p>
<p>Send {due} BTC to <code>bcrt1q{id}</code> (on-chain or Lightning).</p>
<form method="post">
<button name="action" value="pay">Pay in full</button>
<button name="action" value="partial">Pay partially</button>
<button name="action" value="over">Overpay</button>
<button name="action" value="expire">Let it expire</button>
</form></body></html>"""


class Handler(BaseHTTPRequestHandler):
    # No lock is held while a delivery is sent: readerfund's webhook asks this server for
    # the invoice in the middle of it (on another of its threads).
    store: Store

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read their own
        pass

    def _json(self, status: int, value: Any) -> None:
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _authorized(self) -> bool:
        if self.headers.get("Authorization") == f"token {self.store.api_key}":
            return True
        self._json(401, {"code": "unauthenticated", "message": "missing or wrong API key"})
        return False

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, method: str) -> None:
        store = self.store
        parts = urllib.parse.urlsplit(self.path)
        path, query = parts.path, urllib.parse.parse_qs(parts.query)
        api = re.fullmatch(r"/api/v1/stores/([^/]+)(/.*)", path)
        if api:
            if not self._authorized():
                return
            if api.group(1) != store.store_id:
                return self._json(403, {"code": "unauthorized", "message": "not this store"})
            return self._api(method, api.group(2), query)
        page = re.fullmatch(r"/i/([\w-]+)", path)
        if page and page.group(1) in store.invoices:
            return self._checkout(method, page.group(1))
        control = re.fullmatch(r"/_standin/(.+)", path)
        if control and method == "POST":
            return self._control(control.group(1))
        if control and method == "GET":
            found = re.fullmatch(r"deliveries/([\w-]+)", control.group(1))
            if found and found.group(1) in store.deliveries:
                delivery = store.deliveries[found.group(1)]
                return self._json(200, {
                    "body": delivery["body"].decode(), "signature": store.signature(found.group(1)),
                    "httpCode": delivery["httpCode"],
                })  # fmt: skip
        self._json(404, {"code": "not-found", "message": f"no route {method} {path}"})

    def _api(self, method: str, route: str, query: dict[str, list[str]]) -> None:
        store = self.store
        if route == "/payment-methods" and method == "GET":
            return self._json(200, PAYMENT_METHODS)
        if route == "/invoices" and method == "POST":
            body = json.loads(self._body() or b"{}")
            if "amount" not in body or "currency" not in body:
                return self._json(422, [{"path": "amount", "message": "amount is required"}])
            return self._json(200, store.invoice_create(body))
        if route == "/invoices" and method == "GET":
            found = sorted(store.invoices.values(), key=lambda i: i["createdTime"], reverse=True)
            if "orderId" in query:
                found = [i for i in found if i["metadata"].get("orderId") in query["orderId"]]
            if "startDate" in query:
                start = int(query["startDate"][0])
                found = [i for i in found if i["createdTime"] >= start]
            return self._json(200, found)
        invoice = re.fullmatch(r"/invoices/([\w-]+)(/payment-methods)?", route)
        if invoice and method == "GET":
            if invoice.group(1) not in store.invoices:
                return self._json(404, {"code": "invoice-not-found", "message": "no such invoice"})
            if invoice.group(2):
                return self._json(200, store.payment_methods_of(invoice.group(1)))
            return self._json(200, store.invoices[invoice.group(1)])
        if route == "/webhooks" and method == "POST":
            body = json.loads(self._body() or b"{}")
            webhook = {
                "id": "wh_" + uuid.uuid4().hex[:10],
                "url": body["url"],
                "secret": body.get("secret") or uuid.uuid4().hex,
                "enabled": True,
            }
            store.webhooks[webhook["id"]] = webhook
            return self._json(200, webhook)
        deliveries = re.fullmatch(
            r"/webhooks/([\w-]+)/deliveries(?:/([\w-]+)(/request|/redeliver)?)?", route
        )
        if deliveries:
            webhook_id, delivery_id, what = deliveries.groups()
            if delivery_id is None:
                found = [
                    {
                        "id": k,
                        "httpCode": v["httpCode"],
                        "status": "HttpSuccess" if 200 <= v["httpCode"] < 300 else "Failed",
                        "timestamp": json.loads(v["body"])["timestamp"],
                    }
                    for k, v in reversed(store.deliveries.items())
                    if v["webhook"] == webhook_id
                ]
                return self._json(200, found)
            if delivery_id not in store.deliveries:
                return self._json(404, {"code": "not-found", "message": "no such delivery"})
            if what == "/request":
                return self._json(200, json.loads(store.deliveries[delivery_id]["body"]))
            if what == "/redeliver" and method == "POST":
                return self._json(200, store.redeliver(delivery_id))
        self._json(404, {"code": "not-found", "message": f"no route {route}"})

    def _checkout(self, method: str, invoice_id: str) -> None:
        store = self.store
        invoice = store.invoices[invoice_id]
        if method == "POST":
            action = urllib.parse.parse_qs(self._body().decode()).get("action", [""])[0]
            if invoice["status"] == "New" and action in {"pay", "partial", "over", "expire"}:
                store.act(invoice_id, action)
            back = invoice["checkout"].get("redirectURL") or f"/i/{invoice_id}"
            self.send_response(303)
            self.send_header("Location", back)
            self.end_headers()
            return
        data = CHECKOUT_PAGE.format(
            id=html.escape(invoice_id), amount=html.escape(invoice["amount"]),
            currency=html.escape(invoice["currency"]), status=invoice["status"],
            additional=invoice["additionalStatus"], due=store.due_btc(invoice),
        ).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _control(self, what: str) -> None:
        store = self.store
        if what == "reset":
            store.reset()
            return self._json(200, {})
        if what in {"hold", "release"}:
            store.held = what == "hold"
            return self._json(200, {"held": store.held})
        act = re.fullmatch(r"invoices/([\w-]+)/(pay|partial|over|expire|late)", what)
        if act and act.group(1) in store.invoices:
            made = store.act(act.group(1), act.group(2))
            return self._json(200, {"invoice": store.invoices[act.group(1)], "deliveries": made})
        self._json(404, {"code": "not-found", "message": what})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--store-id", default="store_test")
    parser.add_argument("--api-key", default="key_test")
    options = parser.parse_args()
    base = f"http://127.0.0.1:{options.port}"
    Handler.store = Store(store_id=options.store_id, api_key=options.api_key, base_url=base)
    server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
