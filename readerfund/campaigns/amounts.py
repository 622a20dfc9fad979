"""Amount choices of an ask: per currency and frequency, integers in minor units."""

from __future__ import annotations

import re
from typing import Any

from readerfund.payments.models import Frequency

CURRENCY = re.compile(r"[A-Z]{3}")
# A sanity bound for one choice (1,000,000.00 in any two-decimal currency).
MAX_MINOR_UNITS = 100_000_000


def _is_amount(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_MINOR_UNITS


def amounts_validate(amounts: Any) -> list[str]:
    """Problems with an amounts document, each naming where it is; empty when valid."""
    if not isinstance(amounts, dict):
        return ["amounts must be a mapping of currency to frequencies"]
    problems: list[str] = []
    for currency, frequencies in amounts.items():
        if not isinstance(currency, str) or not CURRENCY.fullmatch(currency):
            problems.append(f"{currency!r} is not a three-letter currency code")
            continue
        if not isinstance(frequencies, dict):
            problems.append(f"{currency} must map frequencies to choices")
            continue
        for frequency, rule in frequencies.items():
            where = f"{currency}.{frequency}"
            if frequency not in Frequency.values:
                problems.append(f"{where}: frequency must be one of {', '.join(Frequency.values)}")
                continue
            if not isinstance(rule, dict) or set(rule) - {"choices", "default", "min"}:
                problems.append(f"{where}: expected choices, default and min")
                continue
            choices, default, minimum = rule.get("choices"), rule.get("default"), rule.get("min")
            if not isinstance(choices, list) or not choices or not all(map(_is_amount, choices)):
                problems.append(f"{where}.choices: a non-empty list of positive integers")
                continue
            if not _is_amount(minimum):
                problems.append(f"{where}.min: a positive integer in minor units")
                continue
            if any(choice < minimum for choice in choices):
                problems.append(f"{where}.choices: every choice must be at least the minimum")
            if default not in choices:
                problems.append(f"{where}.default: must be one of the choices")
    return problems
