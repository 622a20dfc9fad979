"""The payment providers installed here, and which ones a reader is offered.

Providers are the installed apps whose AppConfig is a `ProviderAppConfig` (entry points
put them there: readerfund/plugins.py). Nothing here knows any provider by name.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.signals import setting_changed
from django.urls import URLPattern, URLResolver, include, path
from django.utils.module_loading import import_string, module_has_submodule

from readerfund.payments.providers.base import PaymentProvider, ProviderAppConfig


def provider_app_configs() -> list[ProviderAppConfig]:
    return [app for app in apps.get_app_configs() if isinstance(app, ProviderAppConfig)]


@cache
def _instances() -> dict[str, PaymentProvider]:
    found: dict[str, PaymentProvider] = {}
    for app in provider_app_configs():
        for dotted in app.providers:
            provider_class: type[PaymentProvider] = import_string(dotted)
            found[provider_class.identifier] = provider_class()
    return found


def _installed_apps_changed(*, setting: str, **kwargs: Any) -> None:
    # A test that installs a provider (modify_settings) must see it here too.
    if setting == "INSTALLED_APPS":
        _instances.cache_clear()


setting_changed.connect(_installed_apps_changed)


def providers_all() -> list[PaymentProvider]:
    return list(_instances().values())


def provider_get(identifier: str) -> PaymentProvider | None:
    return _instances().get(identifier)


def provider_allowed(provider: PaymentProvider) -> bool:
    """Whether the provider may take payments here: a test-mode provider only where
    READERFUND_TEST_MODE is on (the demo's default; production must declare it), so that
    test money can never enter a production ledger by a missing key."""
    return not provider.test_mode or settings.READERFUND_TEST_MODE


def test_mode_identifiers() -> list[str]:
    """The providers whose money is not real: kept out of the goal in production."""
    return [identifier for identifier, p in _instances().items() if p.test_mode]


def transfer_identifiers() -> list[str]:
    """The providers whose money the reader sends by bank transfer (shown apart in the goal)."""
    return [identifier for identifier, p in _instances().items() if p.paid_by_transfer]


def provider_is_test_mode(identifier: str) -> bool:
    provider = provider_get(identifier)
    return provider is not None and provider.test_mode


def _stand_in(identifier: str) -> PaymentProvider | None:
    for provider in _instances().values():
        if provider.stands_in_for == identifier and provider_allowed(provider):
            return provider
    return None


def providers_for_country(country: str | None) -> list[PaymentProvider]:
    """The methods offered to a reader, in order, per READERFUND_PAYMENT_METHODS.

    A method that is not set up is replaced by the test-mode provider that stands in for
    it, where test mode is on (the demo works without any account); otherwise it is left
    out.
    """
    rules: dict[str, list[str]] = settings.READERFUND_PAYMENT_METHODS
    names = rules.get(country or "", rules.get("*", []))
    offered: list[PaymentProvider] = []
    for name in names:
        provider = provider_get(name)
        if provider is None or not provider.is_configured() or not provider_allowed(provider):
            provider = _stand_in(name)
        if provider is not None and provider not in offered:
            offered.append(provider)
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


def provider_urls() -> list[URLPattern | URLResolver]:
    """`/payments/<identifier>/…`: the routes of each provider package that has a urls.py."""
    routes: list[URLPattern | URLResolver] = []
    for app in provider_app_configs():
        if module_has_submodule(app.module, "urls"):
            identifier = import_string(app.providers[0]).identifier
            routes.append(path(f"payments/{identifier}/", include(f"{app.name}.urls")))
    return routes


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
