"""`readerfund worker`: django_tasks_db's worker, plus a heartbeat and database outages.

- A thread writes the worker's heartbeat (core.heartbeat) and, once this worker has seen
  the database up for a whole stale period, queues again the tasks of dead workers.
- The database going away never ends the process: the worker logs it once, retries with a
  growing pause (up to `OUTAGE_MAX_PAUSE`), logs when it is back, then carries on. A task
  it was running when the database went away is recovered like a dead worker's task.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections
from django.db import connection as db_connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from readerfund.core.heartbeat import (
    MAX_ATTEMPTS,
    heartbeat_beat,
    heartbeat_every,
    heartbeat_remove,
    heartbeat_stale_after,
    task_interrupted_recover,
    tasks_orphaned_recover,
)
from readerfund.core.periodic import periodic_tasks_ensure

logger = logging.getLogger(__name__)

# What a database that is down, restarting or unreachable raises (psycopg and SQLite).
DATABASE_DOWN = (OperationalError, InterfaceError)
DATABASE_DOWN_PATHS = {f"{error.__module__}.{error.__qualname__}" for error in DATABASE_DOWN}
OUTAGE_FIRST_PAUSE = 0.5  # seconds; doubled after each failed try
OUTAGE_MAX_PAUSE = 5.0


def _close_connection() -> None:
    # A broken connection may raise as it closes; Django forgets it either way.
    with contextlib.suppress(DatabaseError):
        db_connection.close()


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


class ReaderfundWorker(Worker):
    """django_tasks_db's Worker with a heartbeat, orphan recovery and outage survival."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.started_at = timezone.now()
        self.current: DBTaskResult[Any, Any] | None = None  # the task being run, if any
        self.outage_since: float | None = None  # monotonic time the database went away
        self._stopping = threading.Event()
        self._database_up_since: float | None = None  # as seen by the heartbeat thread
        self._heartbeat = threading.Thread(
            target=self._heartbeat_loop, name="readerfund-heartbeat", daemon=True
        )

    # The main loop -----------------------------------------------------------------------

    def run(self) -> None:
        try:
            while self.running:
                try:
                    self._database_wait()
                    if not self.running:
                        return
                    self._connected()
                    super().run()
                    return  # --batch or --max-tasks reached, or a graceful stop
                except DATABASE_DOWN as error:
                    self._outage_noted(error)
        finally:
            self._stopping.set()
            # Without the database the row just goes stale; finished tasks are recorded.
            with contextlib.suppress(DatabaseError):
                heartbeat_remove(worker_id=self.worker_id)

    def run_task(self, db_task_result: DBTaskResult[Any, Any]) -> None:
        self.current = db_task_result
        super().run_task(db_task_result)  # a database error here leaves `current` set
        self.current = None
        if (
            db_task_result.status == TaskResultStatus.FAILED
            and db_task_result.exception_class_path in DATABASE_DOWN_PATHS
            and len(db_task_result.worker_ids) < MAX_ATTEMPTS
        ):
            # The task failed because the database did, not because of itself: run it again
            # (a receipt must not be lost to a restart of PostgreSQL).
            requeued = DBTaskResult.objects.filter(
                pk=db_task_result.pk, status=TaskResultStatus.FAILED
            ).update(status=TaskResultStatus.READY, finished_at=None)
            if requeued:
                logger.warning(
                    "task %s (%s) requeued: it failed on a database error",
                    db_task_result.pk,
                    db_task_result.task_path,
                )

    def _database_wait(self) -> None:
        """Returns once the database answers (or the worker is asked to stop)."""
        pause = OUTAGE_FIRST_PAUSE
        while self.running:
            try:
                close_old_connections()
                with db_connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
            except DATABASE_DOWN as error:
                self._outage_noted(error)
                time.sleep(pause)
                pause = min(pause * 2, OUTAGE_MAX_PAUSE)
                continue
            if self.outage_since is not None:
                logger.warning(
                    "worker %s: database reachable again after %.0f s",
                    self.worker_id,
                    time.monotonic() - self.outage_since,
                )
                self.outage_since = None
            return

    def _outage_noted(self, error: BaseException) -> None:
        """Logs the first error of an outage only; later ones would flood the log."""
        _close_connection()
        if self.outage_since is None:
            self.outage_since = time.monotonic()
            logger.error(
                "worker %s: database unreachable (%s); retrying until it is back",
                self.worker_id,
                _first_line(error),
            )

    def _connected(self) -> None:
        """Runs when the database answers: at start and after each outage."""
        heartbeat_beat(worker_id=self.worker_id, started_at=self.started_at)
        if not self._heartbeat.is_alive():
            self._heartbeat.start()
        if self.current is not None:
            interrupted = DBTaskResult.objects.filter(
                pk=self.current.pk, status=TaskResultStatus.RUNNING
            ).first()
            if interrupted is not None:
                task_interrupted_recover(
                    result=interrupted, why="the database went away while it ran"
                )
            self.current = None
        # A periodic task that ran into the outage could not queue its next run.
        periodic_tasks_ensure()

    # The heartbeat thread ----------------------------------------------------------------

    def _heartbeat_loop(self) -> None:
        stale_after = heartbeat_stale_after().total_seconds()
        while not self._stopping.wait(heartbeat_every().total_seconds()):
            try:
                heartbeat_beat(worker_id=self.worker_id, started_at=self.started_at)
                now = time.monotonic()
                if self._database_up_since is None:
                    self._database_up_since = now
                # After an outage every heartbeat is stale: wait until live workers have
                # had a whole stale period to beat again before judging anyone dead.
                if now - self._database_up_since >= stale_after:
                    tasks_orphaned_recover()
            except DATABASE_DOWN:
                self._database_up_since = None
                _close_connection()
            except Exception:
                # Logged with its traceback, and the beat goes on: a heartbeat thread that
                # died would make this live worker look dead and its tasks run again.
                logger.exception("worker %s: heartbeat failed", self.worker_id)


def worker_main(extra: Sequence[str]) -> None:
    """Runs the worker with db_worker's own options (`readerfund worker --help`)."""
    command = DBWorkerCommand()
    options = command.create_parser("readerfund", "worker").parse_args(
        ["--queue-name", "*", *extra]
    )
    command.configure_logging(options.verbosity)
    worker = ReaderfundWorker(
        queue_names=options.queue_name.split(","),
        interval=options.interval,
        batch=options.batch,
        backend_name=options.backend_name,
        startup_delay=options.startup_delay,
        max_tasks=options.max_tasks,
        worker_id=options.worker_id,
        excluded_queue_names=options.exclude_queues.split(",") if options.exclude_queues else [],
    )
    worker.configure_signals()
    worker.run()
