"""Background work of the ledger: receipts."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

from readerfund.payments.emails import receipt_email


@task()
def receipt_send(contribution_id: int) -> None:
    """Sends the receipt of a contribution; queued in the transaction that recorded it."""
    from readerfund.payments.models import Contribution

    contribution = Contribution.objects.select_related("supporter").get(pk=contribution_id)
    receipt_email(contribution=contribution).send()


RECONCILE_EVERY = datetime.timedelta(hours=1)
RECONCILE_WINDOW = datetime.timedelta(hours=72)  # as long as Stripe retries a webhook


@task()
def reconcile_periodically() -> None:
    """Heals missed webhooks, then schedules its next run (the worker is the clock)."""
    from readerfund.payments.reconcile import payments_reconcile

    try:
        payments_reconcile(since=timezone.now() - RECONCILE_WINDOW)
    finally:
        reconcile_periodically.using(run_after=timezone.now() + RECONCILE_EVERY).enqueue()


def periodic_tasks_ensure() -> bool:
    """Queues the periodic reconciliation unless a run is already waiting. True if queued.

    Called when a worker starts; several workers starting at once may queue two chains,
    which only costs an extra idempotent run per hour.
    """
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=reconcile_periodically.module_path, status=TaskResultStatus.READY
    )
    if waiting.exists():
        return False
    reconcile_periodically.enqueue()
    return True
