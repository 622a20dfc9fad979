"""Background work of the ledger: receipts."""

from __future__ import annotations

from django_tasks import task

from readerfund.payments.emails import receipt_email


@task()
def receipt_send(contribution_id: int) -> None:
    """Sends the receipt of a contribution; queued in the transaction that recorded it."""
    from readerfund.payments.models import Contribution

    contribution = Contribution.objects.select_related("supporter").get(pk=contribution_id)
    receipt_email(contribution=contribution).send()
