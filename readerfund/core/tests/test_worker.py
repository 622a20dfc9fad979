"""`readerfund worker` in-process: what it does with a task that the database made fail."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from readerfund.core.worker import ReaderfundWorker
from readerfund.tests.worker_tasks import fail_once_on_the_database

pytestmark = pytest.mark.django_db(transaction=True)  # the worker commits as in production


def _run_worker_batch() -> None:
    ReaderfundWorker(
        queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id="test-worker", excluded_queue_names=[],
    ).run()  # fmt: skip


def test_a_task_that_failed_on_a_database_error_runs_again(tmp_path):
    # given a task that fails the way a restarting database makes it fail, once
    marker = tmp_path / "marker"
    queued = fail_once_on_the_database.enqueue(str(marker))

    # when the worker runs through the queue
    _run_worker_batch()

    # then the task ran again and succeeded, rather than staying failed
    result = DBTaskResult.objects.get(pk=queued.id)
    assert result.status == "SUCCESSFUL"
    assert marker.read_text() == "ran"
    assert result.worker_ids == ["test-worker", "test-worker"]
