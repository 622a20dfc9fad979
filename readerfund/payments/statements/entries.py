"""What a statement reader returns: the entries of one file, before any matching."""

from __future__ import annotations

import datetime
import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from readerfund.core.money import currency_digits


class StatementRefused(Exception):
    """The file is not a statement we can read; nothing of it was imported.

    The message names the line (MT940) or the element (camt) that is wrong, for the admin.
    """


@dataclass(frozen=True)
class StatementLine:
    """One booked entry as the bank wrote it. Amounts are minor units, never negative."""

    account: str
    booked_on: datetime.date
    amount: int
    currency: str
    credit: bool
    bank_reference: str  # the bank's own id of the entry ("" when it gives none)
    remittance: str  # the payer's text, where the transfer reference should be
    payer: str
    where: str  # "line 12" or "Ntry 3": for messages


def amount_minor(text: str, currency: str, *, where: str) -> int:
    """'25,00' or '25.00' in `currency` → 2500; refused when it is no amount of that currency."""
    try:
        value = Decimal(text.strip().replace(",", "."))
        digits = currency_digits(currency)
    except (InvalidOperation, ValueError, KeyError) as error:
        raise StatementRefused(f"{where}: {text!r} is not an amount in {currency!r}") from error
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value() or minor < 0:
        raise StatementRefused(f"{where}: {text!r} is not an amount in {currency}")
    return int(minor)


def entry_keys(lines: Iterable[StatementLine]) -> list[str]:
    """The statement identity of each entry, stable across files, so that importing the same
    entry again (the same file twice, overlapping date ranges, a camt.054 notification and
    the day's camt.053) finds it already there.

    The bank's entry reference identifies an entry where the bank gives one. Otherwise
    the entry's content is its identity, and identical entries of one file are numbered
    (two readers sending the same amount with the same text on the same day stay two).
    """
    keys = []
    seen: Counter[str] = Counter()
    for line in lines:
        if line.bank_reference and line.bank_reference.upper() != "NONREF":
            keys.append(f"{line.account}/ref/{line.bank_reference}"[:200])
            continue
        content = "|".join(
            (line.account, line.booked_on.isoformat(), str(line.amount), line.currency,
             "C" if line.credit else "D", " ".join(line.remittance.split()), line.payer)
        )  # fmt: skip
        digest = hashlib.sha256(content.encode()).hexdigest()[:40]
        seen[digest] += 1
        keys.append(f"{line.account}/sum/{digest}/{seen[digest]}"[:200])
    return keys
