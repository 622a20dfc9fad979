"""What readerfund keeps of a reminder, for how long, and a reader's copy and erasure."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from readerfund.core.periodic import periodic_tasks
from readerfund.reminders.models import Reminder, ReminderStatus
from readerfund.reminders.services import reminders_export, reminders_forget, reminders_purge
from readerfund.reminders.tasks import RETENTION_EVERY, retention_periodically
from readerfund.reminders.tests.factories import reminder_make

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOW = datetime.datetime(2027, 3, 1, 12, tzinfo=UTC)
DAY = datetime.timedelta(days=1)


def test_finished_reminders_are_deleted_after_the_retention_period(settings):
    settings.READERFUND_REMINDER_RETENTION_DAYS = 30
    old = NOW - 31 * DAY
    recent = NOW - 29 * DAY
    reminder_make("sent-old@example.org", status="sent", created_at=old - DAY, sent_at=old)
    reminder_make("failed-old@example.org", status="failed", created_at=old, sent_at=old)
    reminder_make("unsub-old@example.org", status="unsubscribed", created_at=old - DAY, sent_at=old)
    reminder_make("claim-old@example.org", status="sending", created_at=old, sent_at=old)
    reminder_make("unsub-never-sent@example.org", status="unsubscribed", created_at=old)
    reminder_make("sent-recent@example.org", status="sent", created_at=old, sent_at=recent)
    reminder_make("scheduled-old@example.org", status="scheduled", created_at=old - 90 * DAY)

    assert reminders_purge(now=NOW) == 5

    assert sorted(Reminder.objects.values_list("email", flat=True)) == [
        "scheduled-old@example.org",
        "sent-recent@example.org",
    ]
    assert reminders_purge(now=NOW) == 0


def test_the_retention_period_is_a_setting(settings):
    reminder_make(status="sent", sent_at=NOW - 8 * DAY)
    settings.READERFUND_REMINDER_RETENTION_DAYS = 10
    assert reminders_purge(now=NOW) == 0
    settings.READERFUND_REMINDER_RETENTION_DAYS = 7
    assert reminders_purge(now=NOW) == 1


def test_the_retention_setting_is_read_from_the_environment(monkeypatch):
    from readerfund.config import env_value

    monkeypatch.setenv("READERFUND_REMINDER_RETENTION_DAYS", "14")
    assert env_value("READERFUND_REMINDER_RETENTION_DAYS") == "14"
    monkeypatch.delenv("READERFUND_REMINDER_RETENTION_DAYS")
    assert env_value("READERFUND_REMINDER_RETENTION_DAYS") == "30"


def test_both_reminder_tasks_are_periodic():
    assert "readerfund.reminders.tasks.send_due_periodically" in periodic_tasks()
    assert "readerfund.reminders.tasks.retention_periodically" in periodic_tasks()


@pytest.mark.django_db(transaction=True)
def test_the_worker_purges_every_day(settings):
    settings.READERFUND_REMINDER_RETENTION_DAYS = 30
    long_ago = datetime.datetime.now(UTC) - 40 * DAY
    reminder_make(status="sent", created_at=long_ago, sent_at=long_ago)
    retention_periodically.enqueue()

    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)

    assert Reminder.objects.count() == 0
    (waiting,) = DBTaskResult.objects.filter(
        task_path=retention_periodically.module_path, status=TaskResultStatus.READY
    )
    assert waiting.run_after is not None
    assert waiting.run_after > datetime.datetime.now(UTC) + RETENTION_EVERY - datetime.timedelta(
        minutes=5
    )


def test_forgetting_an_address_deletes_its_reminders_whatever_their_state():
    reminder_make("reader@example.org", status=ReminderStatus.SCHEDULED)
    reminder_make("other@example.org")

    assert reminders_forget("Reader@Example.org ") == 1

    assert list(Reminder.objects.values_list("email", flat=True)) == ["other@example.org"]
    assert reminders_forget("reader@example.org") == 0


def test_the_export_lists_what_is_kept_about_the_address():
    reminder_make(
        "reader@example.org",
        remind_on=datetime.date(2027, 4, 1),
        created_at=NOW,
        language="ru",
    )

    assert reminders_export("READER@example.org") == [
        {
            "email": "reader@example.org",
            "language": "ru",
            "remind_on": "2027-04-01",
            "campaign": "end-of-article-ask",
            "variant": "control",
            "status": "scheduled",
            "created_at": NOW.isoformat(),
            "sent_at": None,
        }
    ]
    assert reminders_export("nobody@example.org") == []
