"""Bank transfer: the reader sees the account details and a unique reference; an admin
marks the transfer received when it shows on the statement."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings

from readerfund.payments.providers.bank_transfer.admin_actions import mark_received
from readerfund.payments.providers.base import PaymentProvider, StartResult

if TYPE_CHECKING:
    from readerfund.payments.models import PaymentAttempt


def transfer_reference(attempt: PaymentAttempt) -> str:
    """Short enough to type into a banking app, unique per attempt: RF-XXXX-XXXX."""
    code = attempt.public_id.hex[:8].upper()
    return f"RF-{code[:4]}-{code[4:]}"


class BankTransferProvider(PaymentProvider):
    identifier = "bank_transfer"
    label = "Bank transfer"
    marks = ("bank",)
    supports_recurring = False  # a standing order is the reader's bank's business
    allows_anonymous = True  # a transfer with its reference needs no address to be matched
    paid_by_transfer = True

    def contribution_actions(self) -> list[Callable[..., Any]]:
        return [mark_received]

    def is_configured(self) -> bool:
        return bool(settings.READERFUND_BANK_DETAILS)

    def start(self, *, attempt: PaymentAttempt, payment_token: str) -> StartResult:
        reference = transfer_reference(attempt)
        return StartResult(
            "instructions",
            reference=reference,
            instructions={
                "details": "\n".join(settings.READERFUND_BANK_DETAILS),
                "reference": reference,
            },
        )
