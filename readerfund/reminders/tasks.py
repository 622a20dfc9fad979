"""Background work for reminders: sending the due ones every few minutes, forgetting
finished ones every day. Both are periodic chains (readerfund/core/periodic.py)."""

from __future__ import annotations

import datetime
import logging

from django_tasks import task

from readerfund.core.periodic import periodic, periodic_next
from readerfund.reminders.services import reminders_purge, reminders_send_due

logger = logging.getLogger(__name__)

SEND_EVERY = datetime.timedelta(minutes=5)
RETENTION_EVERY = datetime.timedelta(days=1)


@periodic
@task()
def send_due_periodically() -> None:
    """Sends the reminders due today (UTC) or earlier, then schedules the next run."""
    try:
        reminders_send_due()
    finally:
        periodic_next(send_due_periodically, SEND_EVERY)


@periodic
@task()
def retention_periodically() -> None:
    """Deletes reminders finished longer ago than the retention period, then schedules
    the next run."""
    try:
        purged = reminders_purge()
        if purged:
            logger.info("deleted %d finished reminders", purged)
    finally:
        periodic_next(retention_periodically, RETENTION_EVERY)
