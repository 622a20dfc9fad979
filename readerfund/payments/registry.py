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


def provider_allowed(provider: PaymentProvider) -> bool:
    """Whether the provider may take payments here: a test-mode provider only where
    READERFUND_TEST_MODE is on (the demo's default; production must declare it), so that
    test money can never enter a production ledger by a missing key."""
    return not provider.test_mode or settings.READERFUND_TEST_MODE


def test_mode_identifiers() -> list[str]:
    """The providers whose money is not real: kept out of the goal in production."""
    return [cls.identifier for cls in PROVIDER_CLASSES if cls.test_mode]


def providers_for_country(country: str | None) -> list[PaymentProvider]:
    """The methods offered to a reader, in order, per READERFUND_PAYMENT_METHODS.

    The sandbox stands in for card payments when no real card provider is configured and
    test mode is on (the demo works without any account); otherwise no card is offered.
    """
    rules: dict[str, list[str]] = settings.READERFUND_PAYMENT_METHODS
    names = rules.get(country or "", rules.get("*", []))
    offered = []
    for name in names:
        provider = provider_get(name)
        if provider is not None and provider.is_configured() and provider_allowed(provider):
            offered.append(provider)
    if not any(p.identifier == "stripe" for p in offered) and "stripe" in names:
        sandbox = _instances()["sandbox"]
        if provider_allowed(sandbox):
            offered.insert(0, sandbox)
    return offered


def real_providers_configured() -> list[PaymentProvider]:
    """The providers that move real money and are set up, in any country's rule."""
    rules: dict[str, list[str]] = settings.READERFUND_PAYMENT_METHODS
    names = {name for methods in rules.values() for name in methods}
    return [
        provider
        for identifier, provider in _instances().items()
        if identifier in names and not provider.test_mode and provider.is_configured()
    ]


def payment_marks_by_country() -> dict[str, list[str]]:
    """The marks of the methods a reader's checkout offers, in its order, per country of
    READERFUND_PAYMENT_METHODS ("*": any other country, and an unknown one). The playbook
    carries it as `methods`, so that an ask shows only what the checkout will offer."""
    rules: dict[str, list[str]] = settings.READERFUND_PAYMENT_METHODS
    marks: dict[str, list[str]] = {}
    for country in {"*", *rules}:
        offered = providers_for_country(None if country == "*" else country)
        marks[country] = list(dict.fromkeys(m for provider in offered for m in provider.marks))
    return dict(sorted(marks.items()))


def payment_marks_offered() -> dict[str, list[str]]:
    """Each mark any reader's checkout offers, with the countries that get it ("*": any
    other)."""
    countries: dict[str, list[str]] = {}
    for country, marks in payment_marks_by_country().items():
        for mark in marks:
            countries.setdefault(mark, []).append(country)
    return countries
