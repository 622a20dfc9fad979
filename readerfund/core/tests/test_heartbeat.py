"""Which RUNNING tasks count as orphaned, and what becomes of them (core/heartbeat.py)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from readerfund.core.heartbeat import (
    MAX_ATTEMPTS,
    heartbeat_beat,
    heartbeat_stale_after,
    tasks_orphaned_recover,
)
from readerfund.core.models import EmailDispatch, WorkerHeartbeat
from readerfund.core.outbox import EmailOutcomeUnknown, email_send_once
from readerfund.tests.worker_tasks import write_marker

pytestmark = pytest.mark.django_db


def _running(*, worker_ids: list[str], started_ago: datetime.timedelta, text: str = "x"):
    result = write_marker.enqueue("/dev/null", text)
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING", started_at=timezone.now() - started_ago, worker_ids=worker_ids
    )
    return result.id


def _status(task_id: str) -> str:
    return str(DBTaskResult.objects.get(pk=task_id).status)


LONG_AGO = datetime.timedelta(minutes=30)


def test_a_task_of_a_worker_with_a_stale_heartbeat_is_queued_again():
    # given a worker whose last heartbeat is older than the stale period
    heartbeat_beat(worker_id="dead", started_at=timezone.now() - LONG_AGO)
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - heartbeat_stale_after() * 2)
    task = _running(worker_ids=["dead"], started_ago=LONG_AGO)

    # when a live worker looks for orphans
    outcomes = tasks_orphaned_recover()

    # then its task is ready to run again
    assert outcomes == {task: "requeued"}
    assert _status(task) == "READY"


def test_a_long_task_of_a_live_worker_is_left_alone():
    heartbeat_beat(worker_id="alive", started_at=timezone.now() - LONG_AGO)
    task = _running(worker_ids=["alive"], started_ago=LONG_AGO)

    assert tasks_orphaned_recover() == {}
    assert _status(task) == "RUNNING"


def test_a_task_started_a_moment_ago_is_left_alone_even_without_a_heartbeat():
    task = _running(worker_ids=["plain-db-worker"], started_ago=datetime.timedelta(seconds=1))

    assert tasks_orphaned_recover() == {}
    assert _status(task) == "RUNNING"


def test_a_task_whose_workers_died_on_every_try_is_failed_not_retried_forever():
    task = _running(worker_ids=[f"dead-{n}" for n in range(MAX_ATTEMPTS)], started_ago=LONG_AGO)

    assert tasks_orphaned_recover() == {task: "failed"}
    result = DBTaskResult.objects.get(pk=task)
    assert result.status == "FAILED"
    assert result.exception_class_path == "readerfund.core.heartbeat.WorkerLost"
    assert f"tried {MAX_ATTEMPTS} times" in result.traceback


def test_an_orphan_whose_twin_is_queued_already_is_failed_so_the_work_runs_once():
    # given a periodic-style task queued again by a new worker's start while the dead
    # worker's run of the same task is still RUNNING
    task = _running(worker_ids=["dead"], started_ago=LONG_AGO, text="same")
    twin = write_marker.enqueue("/dev/null", "same")

    assert tasks_orphaned_recover() == {task: "failed"}
    assert _status(twin.id) == "READY"
    assert DBTaskResult.objects.filter(status="READY").count() == 1


def _message() -> EmailMessage:
    return EmailMessage("Your receipt", "Thank you.", to=["reader@example.org"])


def test_an_email_sent_once_is_not_sent_by_a_second_run():
    assert email_send_once(_message(), key="receipt:7", what="receipt of contribution 7")
    assert not email_send_once(_message(), key="receipt:7", what="receipt of contribution 7")

    assert len(mail.outbox) == 1
    assert EmailDispatch.objects.get(key="receipt:7").sent_at is not None


def test_an_email_whose_hand_over_was_interrupted_is_not_sent_again_but_named():
    # given a run that claimed the email and died before recording it sent (the window)
    EmailDispatch.objects.create(key="receipt:8", claimed_at=timezone.now())

    # when the task runs again
    with pytest.raises(EmailOutcomeUnknown, match="receipt of contribution 8"):
        email_send_once(_message(), key="receipt:8", what="receipt of contribution 8")

    # then nothing is sent (at most once), and the failure names the receipt, not the reader
    assert mail.outbox == []
