"""The sandbox: card payments without any account, for the demo and for trying readerfund.

It is labelled as test mode on every page it touches. A "payment" is confirmed on a
readerfund page; the confirmation then travels the same road as a real provider's: a
signed event, stored once and applied by the same ledger code.
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

from readerfund.payments.providers.base import (
    Fact,
    PaymentProvider,
    PaymentSucceeded,
    PlanChanged,
    ProviderEventData,
    StartResult,
    WebhookRejected,
)

if TYPE_CHECKING:
    from readerfund.payments.models import PaymentAttempt

SIGNATURE_HEADER = "X-Readerfund-Sandbox-Signature"


def _secret() -> bytes:
    return hashlib.sha256(("readerfund.sandbox:" + settings.SECRET_KEY).encode()).digest()


def sandbox_sign(body: bytes) -> str:
    return hmac.new(_secret(), body, hashlib.sha256).hexdigest()


class SandboxProvider(PaymentProvider):
    identifier = "sandbox"
    label = "Card (test mode)"
    marks = ("visa", "mastercard")
    test_mode = True

    def start(self, *, attempt: PaymentAttempt, payment_token: str) -> StartResult:
        url = reverse("checkout:sandbox", args=[attempt.public_id])
        return StartResult("redirect", reference=f"sbx_{attempt.public_id.hex}", redirect_url=url)

    def event_for(self, *, attempt: PaymentAttempt, paid: bool) -> tuple[bytes, str]:
        """The signed event the sandbox page posts when the tester pays (or fails)."""
        now = timezone.now()
        body = json.dumps(
            {
                "id": f"evt_{attempt.public_id.hex}_{'paid' if paid else 'failed'}",
                "type": "payment.succeeded" if paid else "payment.failed",
                "attempt": str(attempt.public_id),
                "frequency": attempt.frequency,
                "amount": attempt.amount,
                "currency": attempt.currency,
                "created": now.isoformat(),
            }
        ).encode()
        return body, sandbox_sign(body)

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> ProviderEventData:
        signature = headers.get(SIGNATURE_HEADER, "")
        if not hmac.compare_digest(signature, sandbox_sign(body)):
            raise WebhookRejected("bad sandbox signature")
        payload = json.loads(body)
        event = ProviderEventData(payload["id"], payload["type"], payload)
        if payload["type"] != "payment.succeeded":
            return event
        at = datetime.datetime.fromisoformat(payload["created"])
        reference = payload["attempt"].replace("-", "")
        plan_id = "" if payload["frequency"] == "one_off" else f"sbx_plan_{reference}"
        facts: list[Fact] = []
        if plan_id:
            facts.append(PlanChanged(plan_id, "active", at, attempt_id=payload["attempt"]))
        facts.append(
            PaymentSucceeded(
                payment_id=f"sbx_pay_{reference}",
                amount=payload["amount"],
                currency=payload["currency"],
                occurred_at=at,
                attempt_id=payload["attempt"],
                plan_id=plan_id,
            )
        )
        return ProviderEventData(payload["id"], payload["type"], payload, facts)
