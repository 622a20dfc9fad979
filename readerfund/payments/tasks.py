"""Background work of the ledger: receipts."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

from readerfund.core.outbox import email_send_once
from readerfund.core.periodic import periodic_next
from readerfund.payments.emails import receipt_email


@task()
def receipt_send(contribution_id: int) -> None:
    """Sends the receipt of a contribution; queued in the transaction that recorded it."""
    from readerfund.payments.models import Contribution

    contribution = Contribution.objects.select_related("supporter").get(pk=contribution_id)
    if contribution.supporter.erased_at is not None:
        return  # erased after the gift: there is nobody to write to any more
    # A refused address fails the task (EmailNotSent) without naming it in the task table.
    # Sent at most once even when a dead worker's task is run again (core/outbox.py).
    email_send_once(
        receipt_email(contribution=contribution),
        key=f"receipt:{contribution.pk}",
        what=f"receipt of contribution {contribution.pk}",
    )


RECONCILE_EVERY = datetime.timedelta(hours=1)
RECONCILE_WINDOW = datetime.timedelta(hours=72)  # as long as Stripe retries a webhook


@task()
def reconcile_periodically() -> None:
    """Heals missed webhooks, then schedules its next run (the worker is the clock)."""
    from readerfund.payments.reconcile import payments_reconcile

    try:
        payments_reconcile(since=timezone.now() - RECONCILE_WINDOW)
    finally:
        periodic_next(reconcile_periodically, RECONCILE_EVERY)
