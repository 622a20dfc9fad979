"""Background work of the ledger: receipts. (Its periodic jobs live with what they run:
reconcile.py and privacy.py.)"""

from __future__ import annotations

from django_tasks import task

from readerfund.core.mail import EmailNotSent
from readerfund.core.outbox import email_send_once
from readerfund.payments.emails import receipt_email
from readerfund.payments.models import Contribution


@task()
def receipt_send(contribution_id: int) -> None:
    """Sends the receipt of a contribution; queued in the transaction that recorded it."""
    contribution = Contribution.objects.select_related("supporter").get(pk=contribution_id)
    if contribution.supporter is None:
        return  # a gift without a trace: nobody to write to, by the reader's choice
    if contribution.supporter.erased_at is not None:
        return  # erased after the gift: there is nobody to write to any more
    # A refused address fails the task (EmailNotSent) without naming it in the task table.
    # Sent at most once even when a dead worker's task is run again (core/outbox.py).
    email_send_once(
        receipt_email(contribution=contribution),
        key=f"receipt:{contribution.pk}",
        what=f"receipt of contribution {contribution.pk}",
    )


@task()
def receipts_send(contribution_ids: list[int]) -> None:
    """The receipts of many contributions (transfers received from one bank statement).
    Each is sent at most once (core/outbox.py), so running the batch again after a failure
    sends only those not yet sent; a refused one does not hold back the others."""
    failed = []
    for contribution_id in contribution_ids:
        try:
            receipt_send.call(contribution_id)
        except EmailNotSent:
            failed.append(contribution_id)
    if failed:
        raise EmailNotSent(f"receipts of contributions {failed} not sent")
