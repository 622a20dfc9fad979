"""`/readyz`: may this installation take traffic and do its work? JSON, 503 when not.

Ready means: the database answers, every migration is applied, and a worker's heartbeat
is younger than `WORKER_FRESH` (else receipts, reminders and reconciliation are stalled).
The answer also carries figures for the operator that do not decide readiness: the task
queue (depth, oldest age) and what the apps add with `@readiness_register` (payments: the
last webhook per provider). `/healthz` stays the cheaper check: the process answers.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tasks_db.models import DBTaskResult, get_date_max

from readerfund.core.heartbeat import heartbeat_latest

WORKER_FRESH = datetime.timedelta(minutes=2)

ReadinessSection = Callable[[], dict[str, Any]]
_SECTIONS: dict[str, ReadinessSection] = {}


@functools.cache
def monitoring_load() -> None:
    """Imports every installed app's `monitoring` module, where apps register."""
    autodiscover_modules("monitoring")


def readiness_register(name: str) -> Callable[[ReadinessSection], ReadinessSection]:
    """Declares a section of `/readyz` (informative: it does not decide readiness)."""

    def register(function: ReadinessSection) -> ReadinessSection:
        _SECTIONS[name] = function
        return function

    return register


def tasks_queue_state(*, now: datetime.datetime) -> tuple[int, float]:
    """(tasks due and waiting, seconds the oldest of them has waited since it was due)."""

    due = DBTaskResult.objects.ready()
    oldest = due.order_by("enqueued_at").values_list("enqueued_at", "run_after").first()
    if oldest is None:
        return 0, 0.0
    enqueued_at, run_after = oldest
    became_due = enqueued_at if run_after == get_date_max() else max(enqueued_at, run_after)
    return due.count(), max(0.0, (now - became_due).total_seconds())


def _migrations_pending() -> int:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def readiness(*, now: datetime.datetime | None = None) -> tuple[bool, dict[str, Any]]:

    now = now or timezone.now()
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return False, {"database": {"ok": False, "error": type(error).__name__}}
    pending = _migrations_pending()
    beat = heartbeat_latest()
    beat_age = None if beat is None else round((now - beat).total_seconds(), 1)
    worker_ok = beat is not None and now - beat < WORKER_FRESH
    queued, oldest_age = tasks_queue_state(now=now)
    report: dict[str, Any] = {
        "database": {"ok": True},
        "migrations": {"ok": pending == 0, "pending": pending},
        "worker": {
            "ok": worker_ok,
            "last_heartbeat_age_seconds": beat_age,
            "fresh_within_seconds": WORKER_FRESH.total_seconds(),
        },
        "tasks": {"queued": queued, "oldest_queued_age_seconds": round(oldest_age, 1)},
    }
    monitoring_load()
    for name, section in sorted(_SECTIONS.items()):
        report[name] = section()
    return pending == 0 and worker_ok, report


def readyz(request: HttpRequest) -> JsonResponse:
    try:
        ready, report = readiness()
    except DatabaseError as error:  # the database went away between two queries
        ready, report = False, {"database": {"ok": False, "error": type(error).__name__}}
    response = JsonResponse({"ready": ready, **report}, status=200 if ready else 503)
    response["Cache-Control"] = "no-store"
    return response
