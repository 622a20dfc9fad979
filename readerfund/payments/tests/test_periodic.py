"""Reconciliation runs by itself: the worker keeps one hourly run queued."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from readerfund.core.periodic import periodic_tasks, periodic_tasks_ensure
from readerfund.payments.reconcile import RECONCILE_EVERY, reconcile_periodically

pytestmark = pytest.mark.django_db(transaction=True)


def _waiting():
    return DBTaskResult.objects.filter(
        task_path=reconcile_periodically.module_path, status=TaskResultStatus.READY
    )


def test_a_starting_worker_queues_one_reconciliation_run():
    assert periodic_tasks_ensure() == list(periodic_tasks())
    assert periodic_tasks_ensure() == []  # a second worker does not add another
    assert _waiting().count() == 1


def test_each_run_schedules_the_next_an_hour_later():
    periodic_tasks_ensure()
    before = timezone.now()

    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)

    finished = DBTaskResult.objects.filter(
        task_path=reconcile_periodically.module_path, status=TaskResultStatus.SUCCESSFUL
    )
    assert finished.count() == 1
    (next_run,) = _waiting()
    assert next_run.run_after is not None
    assert next_run.run_after >= before + RECONCILE_EVERY - datetime.timedelta(seconds=5)
