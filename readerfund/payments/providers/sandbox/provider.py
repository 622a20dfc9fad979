"""The sandbox: card payments without any account, for the demo and for trying readerfund.

It is labelled as test mode on every page it touches. A "payment" is confirmed on a
readerfund page; the confirmation then travels the same road as a real provider's: a
signed event, stored once and applied by the same ledger code.

A supporter's changes to a sandbox plan (amount, pause, resume, card, cancel) work the
same way: the sandbox "is" the provider, so it makes the change by emitting its signed
`plan.updated` event and delivering it at once to the ledger's webhook pipeline
(`provider_event_apply`), where it is verified, stored once and applied.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from readerfund.payments.providers.base import (
    PLAN_ACTIONS,
    CardUpdate,
    Fact,
    PaymentProvider,
    PaymentSucceeded,
    PlanChanged,
    ProviderEventData,
    ProviderRefused,
    StartResult,
    WebhookRejected,
)
from readerfund.payments.services import provider_event_apply

if TYPE_CHECKING:
    from readerfund.payments.models import PaymentAttempt, RecurringPlan

SIGNATURE_HEADER = "X-Readerfund-Sandbox-Signature"

#: The sandbox's stand-in for a card setup: no card is asked for, the tester confirms.
SETUP_PREFIX = "sbx_seti_"


def _secret() -> bytes:
    return hashlib.sha256(("readerfund.sandbox:" + settings.SECRET_KEY).encode()).digest()


def sandbox_sign(body: bytes) -> str:
    return hmac.new(_secret(), body, hashlib.sha256).hexdigest()


class SandboxProvider(PaymentProvider):
    identifier = "sandbox"
    label = "Card (test mode)"
    marks = ("visa", "mastercard")
    test_mode = True
    stands_in_for = "stripe"
    card_template = "payments_sandbox/card_fields.html"
    plan_actions = frozenset(PLAN_ACTIONS)

    def start(self, *, attempt: PaymentAttempt, payment_token: str) -> StartResult:
        url = reverse("sandbox:page", args=[attempt.public_id])
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
        if payload["type"] == "plan.updated":
            change = PlanChanged(
                plan_id=payload["plan"],
                status=payload["status"],
                occurred_at=datetime.datetime.fromisoformat(payload["created"]),
                amount=payload.get("amount"),
            )
            return ProviderEventData(payload["id"], payload["type"], payload, [change])
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

    # ---- a supporter's changes: signed events, delivered at once -------------------------

    def plan_event_for(self, *, plan: RecurringPlan, **change: Any) -> tuple[bytes, str]:
        """The signed `plan.updated` event of a change: the plan's whole state after it
        (status and amount), as a provider's events carry it, so the newest event alone
        says how the plan is, whatever order the events arrive in."""
        body = json.dumps(
            {
                "id": f"evt_sbx_{uuid.uuid4().hex}",
                "type": "plan.updated",
                "plan": plan.provider_plan_id,
                "status": plan.status,
                "amount": plan.amount,
                "created": timezone.now().isoformat(),
                **change,
            }
        ).encode()
        return body, sandbox_sign(body)

    def _deliver(self, plan: RecurringPlan, **change: Any) -> list[Fact]:
        """Sends the change's event through the webhook pipeline; the ledger then holds it,
        so there are no facts left for the caller to apply."""
        body, signature = self.plan_event_for(plan=plan, **change)
        event = self.parse_webhook(body=body, headers={SIGNATURE_HEADER: signature})
        provider_event_apply(provider=self.identifier, event=event)
        return []

    def cancel_plan(self, *, plan: RecurringPlan) -> list[Fact]:
        return self._deliver(plan, status="canceled")

    def plan_amount_change(self, *, plan: RecurringPlan, amount: int) -> list[Fact]:
        return self._deliver(plan, amount=amount)

    def plan_pause(self, *, plan: RecurringPlan) -> list[Fact]:
        return self._deliver(plan, status="paused")

    def plan_resume(self, *, plan: RecurringPlan) -> list[Fact]:
        return self._deliver(plan, status="active")

    def card_update_start(self, *, plan: RecurringPlan) -> CardUpdate:
        reference = f"{SETUP_PREFIX}{uuid.uuid4().hex}"
        return CardUpdate(client_secret=reference, reference=reference)

    def card_update_finish(self, *, plan: RecurringPlan, setup_reference: str) -> list[Fact]:
        """Test mode stores no card: the change succeeds and nothing else changes."""
        if not setup_reference.startswith(SETUP_PREFIX):
            raise ProviderRefused("not a sandbox card setup")
        return []
