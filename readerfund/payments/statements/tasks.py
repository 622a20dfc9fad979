"""Daily: standing orders whose payments stopped lapse (their plans stop counting)."""

from __future__ import annotations

import datetime

from django_tasks import task

from readerfund.core.periodic import periodic, periodic_next
from readerfund.payments.statements.services import standing_orders_lapse


@periodic
@task()
def standing_orders_lapse_daily() -> None:
    try:
        standing_orders_lapse()
    finally:
        periodic_next(standing_orders_lapse_daily, datetime.timedelta(days=1))
