"""Money: integers in minor units with an ISO 4217 currency; formatted with Babel."""

from __future__ import annotations

from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency, get_currency_precision


def minor_to_major(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-get_currency_precision(currency))


def money_format(amount: int, currency: str, language: str) -> str:
    """In the reader's locale; whole amounts without decimals: '$5', '$2.50', '5 €', '5,50 €'."""
    value = minor_to_major(amount, currency)
    if value == value.to_integral_value():
        pattern = Locale.parse(language).currency_formats["standard"].pattern
        whole = pattern.split(";")[0].replace(".00", "")
        return format_currency(
            value, currency, format=whole, locale=language, currency_digits=False
        )
    return format_currency(value, currency, locale=language)
