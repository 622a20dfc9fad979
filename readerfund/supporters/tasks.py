"""Background work for supporters' data: forgetting abandoned checkouts every day."""

from __future__ import annotations

import datetime
import logging

from django_tasks import task

from readerfund.core.periodic import periodic_next

logger = logging.getLogger(__name__)

RETENTION_EVERY = datetime.timedelta(days=1)


@task()
def retention_periodically() -> None:
    """Purges abandoned checkouts past the retention period, then schedules the next run."""
    from readerfund.supporters.privacy import abandoned_checkouts_purge

    try:
        purged = abandoned_checkouts_purge()
        if purged:
            logger.info("forgot the reader of %d abandoned checkouts", purged)
    finally:
        periodic_next(retention_periodically, RETENTION_EVERY)
