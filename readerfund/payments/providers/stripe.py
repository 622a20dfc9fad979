"""Stripe (placeholder until the provider lands in this module)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from readerfund.payments.providers.base import PaymentProvider, StartResult

if TYPE_CHECKING:
    from readerfund.payments.models import PaymentAttempt


class StripeProvider(PaymentProvider):
    identifier = "stripe"
    label = "Card"
    marks = ("visa", "mastercard", "amex")

    def is_configured(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_PUBLISHABLE_KEY)

    def start(self, *, attempt: PaymentAttempt, payment_token: str) -> StartResult:
        return StartResult("failed", message="Card payments are not set up.")
