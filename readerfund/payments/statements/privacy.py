"""Bank statement entries in a supporter's data rights (a step registered with
core.privacy): the credits that paid their transfers are listed in their export; on erasure
the payer's name and text are cleared (booking date, amount and reference stay, for the
accounts). Entries that paid nobody's transfer name no supporter readerfund knows."""

from __future__ import annotations

from typing import Any

from readerfund.core.privacy import DataSubject, PrivacyStep
from readerfund.payments.statements.models import StatementEntry


def _entries(subject: DataSubject) -> Any:
    return StatementEntry.objects.filter(contribution__supporter_id=subject.supporter_id)


class StatementPrivacy(PrivacyStep):
    def export(self, subject: DataSubject) -> dict[str, Any]:
        return {
            "bank_statement_entries": [
                {
                    "booked_on": entry.booked_on.isoformat(),
                    "amount": entry.amount,
                    "currency": entry.currency,
                    "reference": entry.reference,
                    "payer": entry.payer,
                    "text": entry.remittance,
                }
                for entry in _entries(subject).order_by("booked_on", "pk")
            ]
        }

    def erase(self, subject: DataSubject, prepared: Any) -> None:
        _entries(subject).update(payer="", remittance="")
