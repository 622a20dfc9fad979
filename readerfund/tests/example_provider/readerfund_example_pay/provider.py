"""Example Pay: the reader pays on the service's own page; the service then posts a signed
notice to /payments/webhooks/example_pay/, and readerfund records the gift once."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.conf import settings

from readerfund.payments.providers.base import (
    PaymentProvider,
    PaymentSucceeded,
    ProviderEventData,
    StartResult,
    WebhookRejected,
)

if TYPE_CHECKING:
    from readerfund.payments.models import PaymentAttempt

SIGNATURE_HEADER = "X-Example-Pay-Signature"


def example_pay_sign(body: bytes) -> str:
    secret = getattr(settings, "EXAMPLE_PAY_SECRET", "")
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class ExamplePayProvider(PaymentProvider):
    identifier = "example_pay"
    label = "Example Pay"
    supports_recurring = False

    def is_configured(self) -> bool:
        return bool(getattr(settings, "EXAMPLE_PAY_SECRET", ""))

    def start(self, *, attempt: PaymentAttempt, payment_token: str) -> StartResult:
        reference = f"ex_{attempt.public_id.hex}"
        return StartResult(
            "redirect",
            reference=reference,
            redirect_url=f"https://pay.example/checkout/{reference}",
        )

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> ProviderEventData:
        if not hmac.compare_digest(headers.get(SIGNATURE_HEADER, ""), example_pay_sign(body)):
            raise WebhookRejected("bad Example Pay signature")
        notice = json.loads(body)
        paid = PaymentSucceeded(
            payment_id=notice["payment"],
            amount=int(notice["amount"]),
            currency=notice["currency"],
            occurred_at=datetime.datetime.fromtimestamp(int(notice["at"]), tz=datetime.UTC),
            attempt_id=notice["order"],
        )
        return ProviderEventData(notice["id"], "payment.paid", notice, [paid])
