"""Periodic work without a separate scheduler: each periodic task queues its own next run,
and every worker that starts makes sure each chain exists (the worker is the clock).

Apps declare their periodic tasks next to the job, with `@periodic` above `@task()`, and
import their tasks module in AppConfig.ready; this module names no app.
"""

from __future__ import annotations

import datetime
from typing import Any, TypeVar

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

TaskT = TypeVar("TaskT")

# Tasks that reschedule themselves with `periodic_next` when they finish, by dotted path,
# in the order their apps registered them.
_registered: dict[str, Any] = {}


def periodic(task: TaskT) -> TaskT:
    """Registers a task (made with `@task()`) as a periodic chain; use as a decorator."""
    _registered[task.module_path] = task  # type: ignore[attr-defined]
    return task


def periodic_tasks() -> tuple[str, ...]:
    """The dotted paths of every registered periodic task."""
    return tuple(_registered)


def periodic_next(task: Any, every: datetime.timedelta) -> None:
    """Queues the next run of a periodic task; call it in the task's `finally`."""
    task.using(run_after=timezone.now() + every).enqueue()


def periodic_tasks_ensure() -> list[str]:
    """Queues each periodic task unless a run is already waiting; returns those queued.

    Called when a worker starts; several workers starting at once may queue two chains,
    which only costs an extra idempotent run per period.
    """
    queued = []
    for path, task in _registered.items():
        waiting = DBTaskResult.objects.filter(
            task_path=task.module_path, status=TaskResultStatus.READY
        )
        if not waiting.exists():
            task.enqueue()
            queued.append(path)
    return queued
