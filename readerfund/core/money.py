"""Money: integers in minor units with an ISO 4217 currency; formatted with Babel; read
from what a reader types with the currency's own number of decimals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency, get_currency_precision
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def currency_digits(currency: str) -> int:
    """The currency's number of decimals (ISO 4217, from Babel): USD 2, JPY 0, KWD 3."""
    return int(get_currency_precision(currency))


def minor_to_major(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-currency_digits(currency))


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


def minor_to_text(amount: int, currency: str) -> str:
    """How an amount field shows an amount: 500 → "5", 1250 → "12.50" (USD), 1250 → "1.250"
    (KWD). What amount_read reads back."""
    value = minor_to_major(amount, currency)
    return str(value.quantize(1)) if value == value.to_integral_value() else str(value)


@dataclass(frozen=True)
class AmountLimits:
    """The smallest and the largest amount accepted, in minor units."""

    minimum: int
    maximum: int


# What a reader types: up to seven digits, then at most the currency's decimals after a
# point or a comma. ASCII digits only (re.ASCII): Python's \d and Decimal() also read
# Arabic-Indic, full-width and mathematical digits, which no amount field of ours asks
# for; those are refused with their own message rather than silently read as numbers
# (a reader then sees exactly what is charged, in the digits the receipt uses).
_WHOLE = r"[0-9]{1,7}"


def _pattern(digits: int) -> re.Pattern[str]:
    if digits == 0:
        return re.compile(_WHOLE, re.ASCII)
    return re.compile(rf"{_WHOLE}(?:[.,][0-9]{{1,{digits}}})?", re.ASCII)


def amount_parse(*, text: str, currency: str) -> int:
    """Minor units from an amount typed in major units ("5", "12.50", "12,5"), with at most
    `currency`'s own number of decimals. Raises ValidationError (code "invalid", or
    "digits" for digits other than 0-9).

    "1,000" is refused rather than guessed (a thousand, or one?): a comma followed by
    exactly three digits is ambiguous, even in a currency with three decimals.
    """
    raw = text.strip()
    if any(char.isdigit() and not char.isascii() for char in raw):
        raise ValidationError(
            _("Please type the amount with the digits 0 to 9, like 5 or 12.50."), code="digits"
        )
    digits = currency_digits(currency)
    ambiguous = re.fullmatch(r"[0-9]+,[0-9]{3}", raw, re.ASCII) is not None
    if ambiguous or not _pattern(digits).fullmatch(raw):
        raise ValidationError(_("Enter an amount, like 5 or 12.50."), code="invalid")
    return int(Decimal(raw.replace(",", ".")).scaleb(digits))


def amount_read(*, text: str, currency: str, limits: AmountLimits, language: str) -> int:
    """amount_parse, then within `limits`; the errors name the limit in the reader's
    locale. Raises ValidationError (codes "invalid", "digits", "min_value", "max_value")."""
    amount = amount_parse(text=text, currency=currency)
    if amount < limits.minimum:
        raise ValidationError(
            _("The smallest gift is %(amount)s.")
            % {"amount": money_format(limits.minimum, currency, language)},
            code="min_value",
        )
    if amount > limits.maximum:
        raise ValidationError(
            _("For gifts above %(amount)s, please write to us.")
            % {"amount": money_format(limits.maximum, currency, language)},
            code="max_value",
        )
    return amount
