"""A thin, typed client of BTCPay Server's Greenfield API: only the calls readerfund makes.

Written from BTCPay's published OpenAPI reference (`swagger.template.invoices.json`,
`…stores-payment-methods.json`): invoices are created and read per store, amounts are
decimal strings in the invoice's currency, the API key travels as `Authorization: token`.
No maintained Python client exists; the standard library's HTTP is enough here.
"""

from __future__ import annotations

import datetime
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from readerfund.core.money import currency_digits, minor_to_major
from readerfund.payments.providers.base import ProviderRefused, ProviderUnavailable

TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class Invoice:
    """An invoice as the API answers it (InvoiceData), the parts readerfund reads."""

    id: str
    store_id: str
    status: str  # New, Processing, Settled, Expired, Invalid
    additional_status: str  # None, PaidLate, PaidPartial, Marked, Invalid, PaidOver
    amount: int  # in the invoice currency's minor units
    currency: str
    checkout_link: str
    created: datetime.datetime
    metadata: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentMethodPaid:
    """One payment method of an invoice (InvoicePaymentMethodDataModel): what was paid in
    it, in its own unit (BTC, …), and the rate to the invoice's currency."""

    payment_method: str
    currency: str
    total_paid: Decimal
    rate: Decimal


def amount_to_minor(text: str | float | int, currency: str) -> int:
    try:
        value = Decimal(str(text))
    except InvalidOperation as error:
        raise ProviderRefused(
            f"BTCPay answered an amount that is not a number: {text!r}"
        ) from error
    return int((value * 10 ** currency_digits(currency)).to_integral_value())


def _moment(unix: Any) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(int(unix or 0), tz=datetime.UTC)


def invoice_from(data: dict[str, Any]) -> Invoice:
    currency = str(data.get("currency", "")).upper()
    return Invoice(
        id=str(data["id"]),
        store_id=str(data.get("storeId", "")),
        status=str(data.get("status", "")),
        additional_status=str(data.get("additionalStatus", "None")),
        amount=amount_to_minor(data.get("amount", "0"), currency),
        currency=currency,
        checkout_link=str(data.get("checkoutLink", "")),
        created=_moment(data.get("createdTime")),
        metadata=dict(data.get("metadata") or {}),
        raw=data,
    )


class BTCPayClient:
    def __init__(self, *, base_url: str, api_key: str, store_id: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.store_id = store_id

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """JSON in, JSON out. Unreachable or 5xx: ProviderUnavailable (try again later);
        another 4xx: ProviderRefused (a retry will not change it)."""
        url = f"{self.base_url}/api/v1/stores/{urllib.parse.quote(self.store_id)}{path}"
        request = urllib.request.Request(  # noqa: S310 (the operator's own BTCPay address)
            url,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={
                "Authorization": f"token {self.api_key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            if error.code >= 500 or error.code == 429:
                raise ProviderUnavailable(f"BTCPay answered {error.code}") from error
            raise ProviderRefused(f"BTCPay refused {method} {path}: {error.code}") from error
        except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError) as error:
            raise ProviderUnavailable(f"BTCPay did not answer: {error}") from error

    def invoice_create(
        self,
        *,
        amount: int,
        currency: str,
        order_id: str,
        metadata: dict[str, Any],
        redirect_url: str,
        language: str = "",
    ) -> Invoice:
        """POST /invoices: a fresh invoice (and so a fresh address) for one gift."""
        checkout: dict[str, Any] = {"redirectURL": redirect_url, "redirectAutomatically": True}
        if language:
            checkout["defaultLanguage"] = language
        body = {
            "amount": str(minor_to_major(amount, currency)),
            "currency": currency,
            "metadata": {**metadata, "orderId": order_id},
            "checkout": checkout,
        }
        return invoice_from(self._call("POST", "/invoices", body))

    def invoice_get(self, invoice_id: str) -> Invoice:
        return invoice_from(self._call("GET", f"/invoices/{urllib.parse.quote(invoice_id)}"))

    def invoices_find(
        self, *, order_id: str = "", since: datetime.datetime | None = None
    ) -> list[Invoice]:
        """GET /invoices filtered by order id or by creation time (newest first)."""
        query: dict[str, str] = {}
        if order_id:
            query["orderId"] = order_id
        if since is not None:
            query["startDate"] = str(int(since.timestamp()))
        found = self._call("GET", "/invoices?" + urllib.parse.urlencode(query))
        return [invoice_from(item) for item in found or []]

    def invoice_payment_methods(self, invoice_id: str) -> list[PaymentMethodPaid]:
        path = f"/invoices/{urllib.parse.quote(invoice_id)}/payment-methods"
        return [
            PaymentMethodPaid(
                payment_method=str(item.get("paymentMethodId") or item.get("paymentMethod", "")),
                currency=str(item.get("currency") or item.get("cryptoCode", "")),
                total_paid=Decimal(str(item.get("totalPaid", "0"))),
                rate=Decimal(str(item.get("rate", "0"))),
            )
            for item in self._call("GET", path) or []
        ]

    def payment_methods(self) -> list[str]:
        """GET /payment-methods: what the store accepts (on-chain, Lightning, …)."""
        return [
            str(item.get("paymentMethodId") or item.get("paymentMethod", ""))
            for item in self._call("GET", "/payment-methods") or []
            if item.get("enabled", True)
        ]
