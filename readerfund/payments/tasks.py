"""Background work of the ledger: receipts, reconciliation, forgetting abandoned checkouts."""

from __future__ import annotations

import datetime
import logging

from django.utils import timezone
from django_tasks import task

from readerfund.core.mail import email_send
from readerfund.core.periodic import periodic, periodic_next
from readerfund.payments.emails import receipt_email
from readerfund.payments.models import Contribution
from readerfund.payments.privacy import abandoned_checkouts_purge
from readerfund.payments.reconcile import payments_reconcile

logger = logging.getLogger(__name__)


@task()
def receipt_send(contribution_id: int) -> None:
    """Sends the receipt of a contribution; queued in the transaction that recorded it."""
    contribution = Contribution.objects.select_related("supporter").get(pk=contribution_id)
    if contribution.supporter.erased_at is not None:
        return  # erased after the gift: there is nobody to write to any more
    # A refused address fails the task (EmailNotSent) without naming it in the task table.
    email_send(
        receipt_email(contribution=contribution), what=f"receipt of contribution {contribution.pk}"
    )


RECONCILE_EVERY = datetime.timedelta(hours=1)
RECONCILE_WINDOW = datetime.timedelta(hours=72)  # as long as Stripe retries a webhook


@periodic
@task()
def reconcile_periodically() -> None:
    """Heals missed webhooks, then schedules its next run (the worker is the clock)."""
    try:
        payments_reconcile(since=timezone.now() - RECONCILE_WINDOW)
    finally:
        periodic_next(reconcile_periodically, RECONCILE_EVERY)


RETENTION_EVERY = datetime.timedelta(days=1)


@periodic
@task()
def retention_periodically() -> None:
    """Purges abandoned checkouts past the retention period, then schedules the next run."""
    try:
        purged = abandoned_checkouts_purge()
        if purged:
            logger.info("forgot the reader of %d abandoned checkouts", purged)
    finally:
        periodic_next(retention_periodically, RETENTION_EVERY)
