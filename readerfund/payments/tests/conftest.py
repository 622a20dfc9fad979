"""Payment-test helpers: attempts, signed Stripe events and posting them to the webhook.

localstripe itself (the `localstripe`, `stripe_settings` and `stripe_webhooks` fixtures and
the test cards) lives in readerfund/conftest.py, shared with the checkout tests; the names
are re-exported here for the tests that import them from this module.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from readerfund.conftest import (
    DECLINED,
    DECLINED_ON_CHARGE,
    PUBLISHABLE_KEY,
    SECRET_KEY,
    VISA,
    VISA_3DS,
    WEBHOOK_ID,
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    LocalStripe,
)
from readerfund.payments.models import PaymentAttempt, ProviderEvent
from readerfund.payments.providers.stripe import STRIPE_API_VERSION
from readerfund.tests.waiting import wait_for

__all__ = [
    "DECLINED",
    "DECLINED_ON_CHARGE",
    "PUBLISHABLE_KEY",
    "SECRET_KEY",
    "VISA",
    "VISA_3DS",
    "WEBHOOK_ID",
    "WEBHOOK_PATH",
    "WEBHOOK_SECRET",
    "LocalStripe",
    "stripe_event",
    "stripe_signature",
]


@pytest.fixture
def make_attempt():
    def make(**fields: Any) -> PaymentAttempt:
        values: dict[str, Any] = {
            "provider": "stripe",
            "frequency": "one_off",
            "amount": 500,
            "currency": "USD",
            "email": "reader@example.org",
            "name": "A Reader",
            "campaign": "ask-2025",
            "variant": "b",
            "channel": "ask",
            **fields,
        }
        return PaymentAttempt.objects.create(**values)

    return make


def stripe_signature(body: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """`Stripe-Signature` as Stripe computes it: HMAC-SHA256 of "<t>.<body>"."""
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@pytest.fixture
def post_webhook(client):
    """Posts a Stripe event to the webhook endpoint, signed like Stripe does (or not)."""

    def post(
        event: dict[str, Any] | bytes,
        *,
        signature: str | None = None,
        secret: str = WEBHOOK_SECRET,
        at: int | None = None,
        http=None,
    ):
        body = event if isinstance(event, bytes) else json.dumps(event).encode()
        headers = {}
        header = stripe_signature(body, secret=secret, at=at) if signature is None else signature
        if header:
            headers["Stripe-Signature"] = header
        return (http or client).post(
            WEBHOOK_PATH, data=body, content_type="application/json", headers=headers
        )

    return post


def stripe_event(type: str, obj: dict[str, Any], *, created: int | None = None, **extra: Any):
    """An event envelope as Stripe sends it, around a real object taken from localstripe.

    For the event types localstripe never emits (refunds, disputes, subscription updates).
    """
    digest = hashlib.sha256(json.dumps([type, obj, created]).encode()).hexdigest()
    return {
        "id": f"evt_test_{digest[:20]}",
        "object": "event",
        "api_version": STRIPE_API_VERSION,
        "created": int(time.time()) if created is None else created,
        "livemode": False,
        "type": type,
        "data": {"object": obj},
        **extra,
    }


RECEIPT_TASK = "readerfund.payments.tasks.receipt_send"


def receipts_queued() -> int:
    """Receipt tasks queued (one per contribution recorded)."""
    return DBTaskResult.objects.filter(task_path=RECEIPT_TASK).count()


def stripe_event_wait(type: str) -> None:
    """Waits until localstripe's signed webhook of this type has been applied."""
    wait_for(
        lambda: ProviderEvent.objects.filter(provider="stripe", type=type).exists(),
        f"the {type} webhook",
    )


def task_table_text() -> str:
    """Everything the task table holds, row by row (to search it for personal data)."""
    return "\n".join(
        " ".join([r.task_path, json.dumps(r.args_kwargs), json.dumps(r.return_value),
                  r.exception_class_path, r.traceback])
        for r in DBTaskResult.objects.all()
    )  # fmt: skip
