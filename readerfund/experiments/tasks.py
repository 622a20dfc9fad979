"""The worker's part: aggregates every few minutes, then the weights that are due."""

from __future__ import annotations

import datetime

from django_tasks import task

from readerfund.core.periodic import periodic, periodic_next
from readerfund.experiments.services import results_refresh, weights_update_due

EVERY = datetime.timedelta(minutes=5)


@periodic
@task()
def experiments_periodically() -> None:
    try:
        results_refresh()
        weights_update_due()  # after the refresh: the weights see the newest counts
    finally:
        periodic_next(experiments_periodically, EVERY)
