"""Keeping the stored figure current: after ledger changes (debounced), and periodically."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from readerfund.core.periodic import periodic, periodic_next
from readerfund.goals.services import goal_refresh, month_bounds

# A burst of payments (a newsletter goes out) causes one recompute per this delay, not one
# per payment; readers see a gift counted within about this long plus the playbook's minute.
RECOMPUTE_DELAY = datetime.timedelta(seconds=10)
RECOMPUTE_EVERY = datetime.timedelta(minutes=15)


@task()
def goal_recompute() -> None:
    """Recomputes and stores the figure (queued by `goal_recompute_soon`)."""
    goal_refresh()


def goal_recompute_soon() -> None:
    """Queues a recompute RECOMPUTE_DELAY from now, unless one is already waiting to start:
    the waiting one will see this change too. Called after a ledger change commits.

    Two callers racing may both queue one; that costs one extra idempotent recompute.
    """
    waiting = DBTaskResult.objects.filter(
        task_path=goal_recompute.module_path, status=TaskResultStatus.READY
    )
    if not waiting.exists():
        goal_recompute.using(run_after=timezone.now() + RECOMPUTE_DELAY).enqueue()


def next_check_in(now: datetime.datetime) -> datetime.timedelta:
    """RECOMPUTE_EVERY, or less when a new month starts sooner: the run then lands just
    after midnight UTC on the first, when last month's one-off gifts stop counting."""
    _start, next_month = month_bounds(now)
    until_month = next_month - now + datetime.timedelta(seconds=1)
    return min(RECOMPUTE_EVERY, until_month)


@periodic
@task()
def goal_recompute_periodically() -> None:
    """Recomputes every RECOMPUTE_EVERY and at the start of each month: covers changes
    that send no signal (bulk updates, a shell) and the month boundary."""
    try:
        goal_refresh()
    finally:
        periodic_next(goal_recompute_periodically, next_check_in(timezone.now()))
