"""Worker heartbeats, and what happens to the tasks of a worker that died.

Every `readerfund worker` writes its heartbeat (core.WorkerHeartbeat) every
`READERFUND_WORKER_HEARTBEAT_SECONDS` from a thread, so a long task does not make it look
dead. A heartbeat older than `STALE_BEATS` beats means the worker is gone (killed, machine
lost): the tasks it left RUNNING are "orphans", and `tasks_orphaned_recover` queues them
again, or marks them failed when running them again would be wrong (docs/operations.md):

- a task already tried `MAX_ATTEMPTS` times is failed: it may be what kills the worker;
- a task whose identical twin (same task, same arguments) is already queued is failed: the
  twin does the work (a periodic chain restarted by a new worker, for instance).

Tasks must tolerate a second run after a crash; those that send email use
core.outbox.email_send_once, which keeps each email at most once.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from readerfund.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

STALE_BEATS = 6  # missed beats before a worker counts as dead (60 s at the default 10 s)
MAX_ATTEMPTS = 3  # runs of one task (first run included) before a lost worker fails it
FORGET_AFTER = datetime.timedelta(days=1)  # rows of workers long dead are deleted


class WorkerLost(Exception):
    """The worker running this task stopped without finishing it (recorded, never raised)."""


def heartbeat_every() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.READERFUND_WORKER_HEARTBEAT_SECONDS)


def heartbeat_stale_after() -> datetime.timedelta:
    return heartbeat_every() * STALE_BEATS


def heartbeat_beat(*, worker_id: str, started_at: datetime.datetime) -> None:
    """Records that the worker is alive now."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"beat_at": now},
        create_defaults={
            "beat_at": now,
            "started_at": started_at,
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
        },
    )


def heartbeat_remove(*, worker_id: str) -> None:
    """A worker that stops cleanly takes its heartbeat with it (it left no task running)."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def heartbeat_latest() -> datetime.datetime | None:
    return WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()


def _twin_is_queued(result: DBTaskResult[Any, Any]) -> bool:
    waiting = DBTaskResult.objects.filter(
        task_path=result.task_path, status=TaskResultStatus.READY
    ).values_list("args_kwargs", flat=True)
    return any(args_kwargs == result.args_kwargs for args_kwargs in waiting)


def task_interrupted_recover(*, result: DBTaskResult[Any, Any], why: str) -> str:
    """Queues a RUNNING task again, or fails it (see the module's rules); returns which.

    The UPDATE is conditional on the row being unchanged since it was read, so when several
    workers recover at once each orphan is handled exactly once.
    """
    unchanged = DBTaskResult.objects.filter(
        pk=result.pk, status=TaskResultStatus.RUNNING, started_at=result.started_at
    )
    if len(result.worker_ids) >= MAX_ATTEMPTS:
        outcome, reason = "failed", f"{why}; tried {len(result.worker_ids)} times, not again"
    elif _twin_is_queued(result):
        outcome, reason = "failed", f"{why}; the same task is already queued again"
    else:
        outcome, reason = "requeued", why
    if outcome == "requeued":
        changed = unchanged.update(status=TaskResultStatus.READY)
    else:
        changed = unchanged.update(
            status=TaskResultStatus.FAILED,
            finished_at=timezone.now(),
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=f"{WorkerLost.__name__}: {reason}\n",
        )
    if not changed:
        return "unchanged"  # another worker recovered it first, or it finished after all
    logger.warning("task %s (%s) %s: %s", result.pk, result.task_path, outcome, reason)
    return outcome


def tasks_orphaned_recover(*, now: datetime.datetime | None = None) -> dict[str, str]:
    """Recovers the RUNNING tasks whose worker's heartbeat is stale or missing.

    A task started less than one stale period ago is left alone whatever its worker: a
    worker writes its first heartbeat before it claims anything. Returns {task id: outcome}.
    """
    now = now or timezone.now()
    stale_before = now - heartbeat_stale_after()
    alive = set(
        WorkerHeartbeat.objects.filter(beat_at__gte=stale_before).values_list(
            "worker_id", flat=True
        )
    )
    outcomes = {}
    running = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=stale_before
    )
    for result in running:
        worker_id = result.worker_ids[-1] if result.worker_ids else "(none)"
        if worker_id in alive:
            continue
        why = f"worker {worker_id} stopped (no heartbeat since {stale_before:%H:%M:%S} UTC)"
        outcomes[str(result.pk)] = task_interrupted_recover(result=result, why=why)
    WorkerHeartbeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()
    return outcomes
