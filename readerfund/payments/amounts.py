"""What a reader may give: preset amounts per currency and frequency, minimums, a maximum.

Integers in minor units. The server recomputes and checks every amount; the page only
suggests.
"""

from __future__ import annotations

from dataclasses import dataclass

from readerfund.core.money import AmountLimits

CURRENCIES = ("USD", "EUR", "GBP")
# Card-testing attacks try tiny amounts; absurd ones are typing mistakes or abuse.
MAXIMUM = 1_000_000  # 10,000.00 in each currency above


@dataclass(frozen=True)
class AmountRule:
    choices: tuple[int, ...]
    default: int
    minimum: int


_SAME_FOR_USD_EUR = {
    "one_off": AmountRule((500, 1000, 2500, 5000), 1000, 100),
    "monthly": AmountRule((200, 500, 1000, 2000), 500, 200),
    "annual": AmountRule((2400, 6000, 12000), 6000, 2000),
}
AMOUNTS: dict[str, dict[str, AmountRule]] = {
    "USD": _SAME_FOR_USD_EUR,
    "EUR": _SAME_FOR_USD_EUR,
    "GBP": {
        "one_off": AmountRule((500, 1000, 2000, 4000), 1000, 100),
        "monthly": AmountRule((200, 400, 800, 1600), 400, 200),
        "annual": AmountRule((2000, 5000, 10000), 5000, 2000),
    },
}

# Countries whose readers see another currency first (they can always switch).
_EURO = [
    "AT",
    "BE",
    "CY",
    "DE",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PT",
    "SI",
    "SK",
]


def amount_limits(*, currency: str, frequency: str) -> AmountLimits:
    """The smallest and largest gift of `frequency` in `currency`, in its minor units. A
    currency the give page does not offer (a plan started elsewhere) keeps 100 minor units
    as its minimum."""
    rule = AMOUNTS.get(currency, {}).get(frequency)
    return AmountLimits(minimum=rule.minimum if rule is not None else 100, maximum=MAXIMUM)


CURRENCY_BY_COUNTRY = {**dict.fromkeys(_EURO, "EUR"), "GB": "GBP"}


def currency_for_country(country: str | None) -> str:
    return CURRENCY_BY_COUNTRY.get(country or "", "USD")
