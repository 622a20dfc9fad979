"""Crypto in test mode: the invoice flow without a BTCPay server, for the demo and for
trying readerfund. Labelled "Test mode" on every page it touches, refused where
READERFUND_TEST_MODE is off (payments.registry.provider_allowed), like the card sandbox.

The reader is sent to a readerfund page that stands in for BTCPay's checkout. Paying there
makes a test invoice "settle": a delivery shaped like BTCPay's, signed with a key derived
from SECRET_KEY, goes through the webhook pipeline and the same `invoice_facts` as a real
invoice, so the ledger, the receipt and the goal see exactly what a real gift does.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from readerfund.core.money import minor_to_major
from readerfund.payments.models import Frequency
from readerfund.payments.providers.base import (
    PaymentProvider,
    ProviderEventData,
    StartResult,
    SupporterItem,
    WebhookRejected,
)
from readerfund.payments.providers.btcpay.client import invoice_from
from readerfund.payments.providers.btcpay.pledges import (
    PLEDGE_NEEDS_EMAIL,
    pledge_items,
    pledge_start,
    pledge_stop_own,
)
from readerfund.payments.providers.btcpay.provider import ATTEMPT_KEY, invoice_facts

if TYPE_CHECKING:
    from readerfund.payments.models import PaymentAttempt

SANDBOX_SIGNATURE_HEADER = "X-Readerfund-Test-Invoice-Signature"

#: What the test checkout page can make of an invoice: BTCPay's (status, additionalStatus).
OUTCOMES = {
    "pay": ("Settled", "None"),
    "expire": ("Expired", "None"),
}


def _key() -> bytes:
    return hashlib.sha256(("readerfund.btcpay-test:" + settings.SECRET_KEY).encode()).digest()


def sandbox_invoice_sign(body: bytes) -> str:
    return hmac.new(_key(), body, hashlib.sha256).hexdigest()


class BTCPayTestProvider(PaymentProvider):
    identifier = "btcpay_test"
    label = "Crypto (test mode)"
    marks = ("crypto",)
    # A monthly or yearly gift is a pledge: a fresh invoice emailed each period (pledges.py).
    supports_recurring = True
    allows_anonymous = True
    test_mode = True
    stands_in_for = "btcpay"

    # Its pledges on the supporter's manage page, each with a stop (pledges.py).
    def supporter_items(self, *, supporter_id: int, language: str) -> list[SupporterItem]:
        return pledge_items(provider=self.identifier, supporter_id=supporter_id, language=language)

    def supporter_item_stop(self, *, supporter_id: int, key: str) -> bool:
        return pledge_stop_own(provider=self.identifier, supporter_id=supporter_id, key=key)

    def start(self, *, attempt: PaymentAttempt, payment_token: str) -> StartResult:
        if attempt.frequency != Frequency.ONE_OFF:
            if not attempt.email:
                return StartResult("failed", message=str(PLEDGE_NEEDS_EMAIL))
            pledge_start(attempt=attempt)
        url = reverse("btcpay:test_invoice", args=[attempt.public_id])
        return StartResult(
            "redirect", reference=f"test_inv_{attempt.public_id.hex}", redirect_url=url
        )

    def delivery_for(self, *, attempt: PaymentAttempt, outcome: str) -> tuple[bytes, str]:
        """The signed delivery the test checkout posts: BTCPay's shape, with the invoice as
        it now is (there is no API to fetch it from; the signature is ours)."""
        status, additional = OUTCOMES[outcome]
        now = timezone.now()
        invoice = {
            "id": attempt.provider_reference, "storeId": "test", "status": status,
            "additionalStatus": additional, "currency": attempt.currency,
            "amount": str(minor_to_major(attempt.amount, attempt.currency)),
            "createdTime": int(attempt.created_at.timestamp()),
            "metadata": {ATTEMPT_KEY: str(attempt.public_id)},
        }  # fmt: skip
        body = json.dumps(
            {
                "deliveryId": f"test_{attempt.public_id.hex}_{outcome}",
                "type": "InvoiceSettled" if outcome == "pay" else "InvoiceExpired",
                "timestamp": int(now.timestamp()),
                "storeId": "test",
                "invoiceId": attempt.provider_reference,
                "invoice": invoice,
            }
        ).encode()
        return body, sandbox_invoice_sign(body)

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> ProviderEventData:
        if not hmac.compare_digest(
            headers.get(SANDBOX_SIGNATURE_HEADER, ""), sandbox_invoice_sign(body)
        ):
            raise WebhookRejected("bad test-invoice signature")
        payload = json.loads(body)
        at = datetime.datetime.fromtimestamp(int(payload["timestamp"]), tz=datetime.UTC)
        facts = invoice_facts(invoice_from(payload["invoice"]), at=at)
        return ProviderEventData(payload["deliveryId"], payload["type"], payload, facts)
