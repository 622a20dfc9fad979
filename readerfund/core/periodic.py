"""Periodic work without a separate scheduler: each periodic task queues its own next run,
and every worker that starts makes sure each chain exists (the worker is the clock)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.module_loading import import_string

# Dotted paths of tasks that reschedule themselves with `periodic_next` when they finish.
PERIODIC_TASKS: tuple[str, ...] = (
    "readerfund.payments.tasks.reconcile_periodically",
    "readerfund.goals.tasks.goal_recompute_periodically",
    "readerfund.supporters.tasks.retention_periodically",
    "readerfund.reminders.tasks.send_due_periodically",
    "readerfund.reminders.tasks.retention_periodically",
)


def periodic_next(task: Any, every: datetime.timedelta) -> None:
    """Queues the next run of a periodic task; call it in the task's `finally`."""
    task.using(run_after=timezone.now() + every).enqueue()


def periodic_tasks_ensure() -> list[str]:
    """Queues each periodic task unless a run is already waiting; returns those queued.

    Called when a worker starts; several workers starting at once may queue two chains,
    which only costs an extra idempotent run per period.
    """
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    queued = []
    for path in PERIODIC_TASKS:
        task = import_string(path)
        waiting = DBTaskResult.objects.filter(
            task_path=task.module_path, status=TaskResultStatus.READY
        )
        if not waiting.exists():
            task.enqueue()
            queued.append(path)
    return queued
