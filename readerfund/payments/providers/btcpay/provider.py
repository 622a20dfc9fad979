"""Crypto gifts through the newsroom's own BTCPay Server (Greenfield API).

A one-off gift becomes a BTCPay invoice in the reader's currency — a fresh address per
invoice, never a fixed one that would let anyone watch every gift — which the reader pays
on BTCPay's checkout (on-chain or Lightning, whatever the store offers) before coming back
to our thank-you page.

Nothing a webhook says is credited as it is: the body is verified (`BTCPay-Sig`, an
HMAC-SHA256 of the raw body with the webhook's secret), recorded once by its delivery id,
and its facts come from the invoice fetched again from the API. Settled credits the
ledger; Expired or Invalid unpaid closes the attempt; paid too little, too much or too late
goes to the review list (Payments → Payments to review) with the amounts.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from readerfund.core.money import currency_digits
from readerfund.payments.models import Frequency
from readerfund.payments.providers.base import (
    AttemptClosed,
    Fact,
    PaymentHeld,
    PaymentProvider,
    PaymentSucceeded,
    ProviderEventData,
    ProviderRefused,
    StartResult,
    SupporterItem,
    WebhookRejected,
)
from readerfund.payments.providers.btcpay.client import BTCPayClient, Invoice
from readerfund.payments.providers.btcpay.pledges import (
    PLEDGE_NEEDS_EMAIL,
    pledge_items,
    pledge_start,
    pledge_stop_own,
)

if TYPE_CHECKING:
    from readerfund.payments.models import PaymentAttempt

SIGNATURE_HEADER = "BTCPay-Sig"
#: Our attempt's public id, in every invoice's metadata: how an invoice is known as ours.
ATTEMPT_KEY = "readerfundAttempt"
#: BTCPay retries a failed delivery after 10 s, 1 min, then every 10 min up to 6 times:
#: a delivery older than this is a replay. Reconciliation heals anything legitimately late.
DELIVERY_TOLERANCE = datetime.timedelta(hours=2)

_HELD = {"PaidPartial": "paid_partial", "PaidOver": "paid_over", "PaidLate": "paid_late"}


def btcpay_sign(body: bytes, secret: str) -> str:
    """The signature BTCPay sends: `sha256=` and the HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def invoice_facts(
    invoice: Invoice, *, at: datetime.datetime, received: tuple[int, str] = (0, "")
) -> list[Fact]:
    """What an invoice's state means for the ledger. `received`: what arrived, converted to
    the invoice's currency and in the provider's words, for the review list."""
    attempt_id = str(invoice.metadata.get(ATTEMPT_KEY, ""))
    if not attempt_id:
        return []  # another product's invoice in the same store: not ours
    held = _HELD.get(invoice.additional_status)
    if held is not None:
        facts: list[Fact] = [
            PaymentHeld(
                payment_id=invoice.id, reason=held,  # type: ignore[arg-type]
                expected_amount=invoice.amount, currency=invoice.currency, occurred_at=at,
                attempt_id=attempt_id, received_amount=received[0], received=received[1],
            )
        ]  # fmt: skip
        if invoice.status in {"Expired", "Invalid"}:
            facts.append(AttemptClosed(attempt_id=attempt_id, occurred_at=at))
        return facts
    if invoice.status == "Settled":
        return [
            PaymentSucceeded(
                payment_id=invoice.id, amount=invoice.amount, currency=invoice.currency,
                occurred_at=at, attempt_id=attempt_id,
            )
        ]  # fmt: skip
    if invoice.status in {"Expired", "Invalid"}:
        return [AttemptClosed(attempt_id=attempt_id, occurred_at=at)]
    return []  # New or Processing: wait for the next event


class BTCPayProvider(PaymentProvider):
    identifier = "btcpay"
    label = "Crypto (Bitcoin, Lightning)"
    marks = ("crypto",)
    # A monthly or yearly gift is a pledge: a fresh invoice emailed each period (pledges.py).
    supports_recurring = True
    allows_anonymous = True

    # Its pledges on the supporter's manage page, each with a stop (pledges.py).
    def supporter_items(self, *, supporter_id: int, language: str) -> list[SupporterItem]:
        return pledge_items(provider=self.identifier, supporter_id=supporter_id, language=language)

    def supporter_item_stop(self, *, supporter_id: int, key: str) -> bool:
        return pledge_stop_own(provider=self.identifier, supporter_id=supporter_id, key=key)

    def is_configured(self) -> bool:
        return bool(settings.BTCPAY_URL and settings.BTCPAY_STORE_ID and settings.BTCPAY_API_KEY)

    def client(self) -> BTCPayClient:
        return BTCPayClient(
            base_url=settings.BTCPAY_URL,
            api_key=settings.BTCPAY_API_KEY,
            store_id=settings.BTCPAY_STORE_ID,
        )

    def start(self, *, attempt: PaymentAttempt, payment_token: str) -> StartResult:
        if attempt.frequency != Frequency.ONE_OFF:
            if not attempt.email:
                return StartResult("failed", message=str(PLEDGE_NEEDS_EMAIL))
            pledge_start(attempt=attempt)
        client = self.client()
        order_id = str(attempt.public_id)
        thanks = reverse("checkout:thanks", args=[attempt.public_id])
        try:
            # The attempt's id is the invoice's order id, our idempotency key: a retry of
            # the same attempt finds the invoice it created instead of making a second.
            found = client.invoices_find(order_id=order_id)
            invoice = found[0] if found else client.invoice_create(
                amount=attempt.amount, currency=attempt.currency, order_id=order_id,
                metadata={ATTEMPT_KEY: order_id},
                redirect_url=settings.READERFUND_PUBLIC_URL.rstrip("/") + thanks,
                language=attempt.language,
            )  # fmt: skip
        except ProviderRefused:
            return StartResult("failed", message="The crypto payment service refused the gift.")
        return StartResult("redirect", reference=invoice.id, redirect_url=invoice.checkout_link)

    def _received(self, invoice: Invoice) -> tuple[int, str]:
        """What arrived on an invoice that needs review, in its currency and in crypto."""
        paid = self.client().invoice_payment_methods(invoice.id)
        total = sum((p.total_paid * p.rate for p in paid), Decimal(0))
        in_currency = int((total * 10 ** currency_digits(invoice.currency)).to_integral_value())
        words = ", ".join(f"{p.total_paid.normalize()} {p.currency}" for p in paid if p.total_paid)
        return in_currency, words

    def _facts(self, invoice: Invoice, *, at: datetime.datetime) -> list[Fact]:
        received = self._received(invoice) if invoice.additional_status in _HELD else (0, "")
        return invoice_facts(invoice, at=at, received=received)

    def confirm(self, *, attempt: PaymentAttempt) -> list[Fact]:
        """The reader is back on our thank-you page: the invoice as BTCPay has it now."""
        if not attempt.provider_reference:
            return []
        invoice = self.client().invoice_get(attempt.provider_reference)
        return self._facts(invoice, at=timezone.now())

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> ProviderEventData:
        secret = settings.BTCPAY_WEBHOOK_SECRET
        if not secret:
            raise WebhookRejected("BTCPAY_WEBHOOK_SECRET is not set: no delivery can be verified")
        signature = headers.get(SIGNATURE_HEADER, "")
        if not hmac.compare_digest(signature.encode(), btcpay_sign(body, secret).encode()):
            raise WebhookRejected("bad BTCPay-Sig signature")
        try:
            payload = json.loads(body)
            sent = datetime.datetime.fromtimestamp(int(payload["timestamp"]), tz=datetime.UTC)
            delivery = str(payload.get("originalDeliveryId") or payload["deliveryId"])
        except (ValueError, KeyError, TypeError) as error:
            raise WebhookRejected(f"not a BTCPay delivery: {error}") from error
        if timezone.now() - sent > DELIVERY_TOLERANCE:
            raise WebhookRejected(f"stale delivery from {sent.isoformat()}")
        # A redelivery carries the first delivery's id: it is the same event, stored once.
        event = ProviderEventData(delivery, str(payload.get("type", "")), payload)
        invoice_id = str(payload.get("invoiceId") or "")
        if payload.get("storeId") != settings.BTCPAY_STORE_ID or not invoice_id:
            return event  # another store's or not about an invoice: stored, nothing to do
        # Never the body's word: the invoice as the API says it is now.
        try:
            invoice = self.client().invoice_get(invoice_id)
        except ProviderRefused:
            return event  # the store does not know it: not ours
        return ProviderEventData(delivery, event.type, payload, self._facts(invoice, at=sent))

    def recent_events(self, *, since: datetime.datetime) -> list[ProviderEventData]:
        """Each of our invoices created since then, in its present state: one event per
        invoice and state, so a state already applied (by its webhook) is skipped."""
        now = timezone.now()
        events = []
        for invoice in reversed(self.client().invoices_find(since=since)):
            facts = self._facts(invoice, at=now)
            if not facts:
                continue
            event_id = f"state:{invoice.id}:{invoice.status}:{invoice.additional_status}"
            payload = {
                "invoiceId": invoice.id, "status": invoice.status,
                "additionalStatus": invoice.additional_status, "reconciled": True,
            }  # fmt: skip
            events.append(ProviderEventData(event_id, "InvoiceState", payload, facts))
        return events
