"""The payment providers readerfund knows, and which ones a reader is offered."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from readerfund.payments.providers.bank_transfer import BankTransferProvider
from readerfund.payments.providers.base import PaymentProvider
from readerfund.payments.providers.sandbox import SandboxProvider
from readerfund.payments.providers.stripe import StripeProvider

PROVIDER_CLASSES: tuple[type[PaymentProvider], ...] = (
    StripeProvider,
    BankTransferProvider,
    SandboxProvider,
)


@cache
def _instances() -> dict[str, PaymentProvider]:
    return {cls.identifier: cls() for cls in PROVIDER_CLASSES}


def provider_get(identifier: str) -> PaymentProvider | None:
    return _instances().get(identifier)


def providers_for_country(country: str | None) -> list[PaymentProvider]:
    """The methods offered to a reader, in order, per READERFUND_PAYMENT_METHODS.

    The sandbox stands in for card payments when no real card provider is configured, so
    the demo works without any account.
    """
    rules: dict[str, list[str]] = settings.READERFUND_PAYMENT_METHODS
    names = rules.get(country or "", rules.get("*", []))
    offered = []
    for name in names:
        provider = provider_get(name)
        if provider is not None and provider.is_configured():
            offered.append(provider)
    if not any(p.identifier == "stripe" for p in offered) and "stripe" in names:
        offered.insert(0, _instances()["sandbox"])
    return offered
