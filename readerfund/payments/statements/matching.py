"""Finding a transfer's reference in what the payer's bank wrote, and what an entry is.

No database here: `services.py` looks the candidates up and applies the verdict.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from readerfund.payments.statements.models import Reason

# RF-XXXX-XXXX (payments/providers/bank_transfer.py), as banks pass it on: in any case,
# with the hyphens dropped or spaces added, broken over lines (MT940 cuts the text every
# 27 characters, camt every 140). Read on the text with all white space removed; every
# position is tried (lookahead), so text before the reference cannot hide it.
_REFERENCE = re.compile(r"(?=RF-?([0-9A-F]{4})-?([0-9A-F]{4}))")

#: A second payment of the same reference counts as a standing order's only this long
#: after the previous one; closer together it is a mistake for an admin to look at.
STANDING_ORDER_MIN_DAYS = 20


def references_find(text: str) -> list[str]:
    """The transfer references in `text`, normalised to RF-XXXX-XXXX, in order, once each."""
    compact = "".join(text.upper().split())
    found: list[str] = []
    for match in _REFERENCE.finditer(compact):
        reference = f"RF-{match.group(1)}-{match.group(2)}"
        if reference not in found:
            found.append(reference)
    return found


@dataclass(frozen=True)
class Expected:
    """The transfer a reference names: what the reader said they would send."""

    amount: int
    currency: str
    pending: bool  # not yet received
    last_paid_on: datetime.date | None  # received: the last payment under this reference


@dataclass(frozen=True)
class Verdict:
    outcome: str  # "credit", "standing_order" or "review"
    reason: str = Reason.NONE


def entry_judge(
    *, amount: int, currency: str, booked_on: datetime.date, expected: Expected | None
) -> Verdict:
    """Exact amount and currency of a pending transfer → credit it; the same again a month
    or so after a received one → a standing order; anything else → an admin looks."""
    if expected is None:
        return Verdict("review", Reason.UNMATCHED)
    if currency != expected.currency:
        return Verdict("review", Reason.CURRENCY)
    if amount < expected.amount:
        return Verdict("review", Reason.PARTIAL)
    if amount > expected.amount:
        return Verdict("review", Reason.OVER)
    if expected.pending:
        return Verdict("credit")
    last = expected.last_paid_on
    if last is not None and (booked_on - last).days >= STANDING_ORDER_MIN_DAYS:
        return Verdict("standing_order")
    return Verdict("review", Reason.REPEAT)
