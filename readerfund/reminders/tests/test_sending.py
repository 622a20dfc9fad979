"""Sending: the due reminders, on their UTC date, through the worker, each at most once."""

from __future__ import annotations

import datetime
import logging
import threading
from email import message_from_string
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from readerfund.reminders.models import Reminder, ReminderStatus
from readerfund.reminders.selectors import utc_today
from readerfund.reminders.services import STALE_CLAIM, reminder_claim, reminders_send_due
from readerfund.reminders.tasks import SEND_EVERY, send_due_periodically
from readerfund.reminders.tests import backends
from readerfund.reminders.tests.factories import reminder_make
from readerfund.tests.processes import free_port

pytestmark = pytest.mark.django_db(transaction=True)  # the worker runs as in production

UTC = datetime.UTC
DAY = datetime.timedelta(days=1)


def _worker_run() -> None:
    """One run of the periodic send task through the real worker, as after five minutes."""
    send_due_periodically.enqueue()
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)


def _html(message: mail.EmailMessage) -> str:
    assert isinstance(message, mail.EmailMultiAlternatives)
    (html, kind) = message.alternatives[0]
    assert kind == "text/html"
    return str(html)


def _recipients() -> list[str]:
    return [to for message in mail.outbox for to in message.to]


def test_the_worker_sends_exactly_the_due_reminders_once():
    # given reminders due yesterday and today, one for tomorrow and one already sent
    today = utc_today()
    reminder_make("yesterday@example.org", remind_on=today - DAY)
    reminder_make("today@example.org", remind_on=today)
    reminder_make("tomorrow@example.org", remind_on=today + DAY)
    reminder_make("done@example.org", remind_on=today - DAY, status=ReminderStatus.SENT)

    # when the worker runs, and runs again
    _worker_run()
    _worker_run()

    # then each due reminder went out once, and nothing else
    assert sorted(_recipients()) == ["today@example.org", "yesterday@example.org"]
    statuses = dict(Reminder.objects.values_list("email", "status"))
    assert statuses == {
        "yesterday@example.org": "sent",
        "today@example.org": "sent",
        "tomorrow@example.org": "scheduled",
        "done@example.org": "sent",
    }
    assert Reminder.objects.get(email="today@example.org").sent_at is not None
    # and each run queued the next, five minutes later
    waiting = DBTaskResult.objects.filter(
        task_path=send_due_periodically.module_path, status=TaskResultStatus.READY
    )
    assert waiting.count() == 2
    assert all(task.run_after > timezone.now() + SEND_EVERY / 2 for task in waiting)


def test_a_reminder_goes_out_on_its_utc_date_and_not_before():
    reminder_make(remind_on=datetime.date(2027, 1, 15))

    # 23:59 UTC on the 14th, and 01:30 on the 15th in Moscow (22:30 UTC on the 14th)
    moscow = datetime.timezone(datetime.timedelta(hours=3))
    assert reminders_send_due(now=datetime.datetime(2027, 1, 14, 23, 59, tzinfo=UTC)).sent == 0
    assert reminders_send_due(now=datetime.datetime(2027, 1, 15, 1, 30, tzinfo=moscow)).sent == 0
    assert mail.outbox == []

    report = reminders_send_due(now=datetime.datetime(2027, 1, 15, 0, 0, tzinfo=UTC))

    assert (report.sent, report.failed) == (1, 0)
    assert _recipients() == ["reader@example.org"]
    reminder = Reminder.objects.get()
    assert reminder.status == ReminderStatus.SENT
    # stamped when claimed: the run's clock plus the time the run has taken
    sent_at = datetime.datetime(2027, 1, 15, 0, 0, tzinfo=UTC)
    assert reminder.sent_at is not None
    assert sent_at <= reminder.sent_at < sent_at + datetime.timedelta(seconds=5)
    # a month later the worker finds nothing more to send
    assert reminders_send_due(now=datetime.datetime(2027, 2, 15, tzinfo=UTC)).sent == 0
    assert len(mail.outbox) == 1


def test_the_email_links_to_the_give_page_with_the_asks_attribution_and_one_click_unsubscribe(
    settings,
):
    settings.READERFUND_PUBLIC_URL = "https://support.example.org"
    reminder_make(
        campaign="end-of-article-ask",
        variant="urgent",
        created_at=datetime.datetime(2026, 12, 3, 9, tzinfo=UTC),
    )

    reminders_send_due()

    (message,) = mail.outbox
    assert message.subject == "Your reminder: support independent journalism"
    assert message.to == ["reader@example.org"]
    # RFC 8058: an HTTPS address to POST to, and the one-click marker
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://support.example.org/reminders/unsubscribe/")
    assert unsubscribe.endswith("/>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # the headers survive into the message as sent
    sent = message_from_string(message.message().as_string())
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "".join(sent["List-Unsubscribe"].split()) == unsubscribe  # maybe folded
    # the link to give carries the campaign, the variant, the channel and the language
    give = next(word for word in message.body.split() if "/give/" in word)
    parts = urlsplit(give)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://support.example.org/give/"
    assert parse_qs(parts.query) == {
        "rf_campaign": ["end-of-article-ask"],
        "rf_variant": ["urgent"],
        "rf_channel": ["ask"],
        "lang": ["en"],
    }
    assert "December 3, 2026" in message.body  # when the reader asked
    assert unsubscribe[1:-1] in message.body
    html = _html(message)
    assert 'lang="en"' in html and give.replace("&", "&amp;") in html
    assert unsubscribe[1:-1] in html


def test_a_russian_reader_gets_the_email_in_russian():
    """The subject passes once the Russian catalogue has this app's strings."""
    reminder_make(language="ru", created_at=datetime.datetime(2026, 12, 3, 9, tzinfo=UTC))

    reminders_send_due()

    (message,) = mail.outbox
    assert "lang=ru" in message.body
    assert "3 декабря 2026" in message.body
    assert 'lang="ru"' in _html(message)
    assert message.subject == "Напоминание: поддержите независимую журналистику"


def test_no_reminder_is_sent_after_one_click_unsubscribe():
    # given a reminder that was sent, and the reader asked again since
    reminder_make(remind_on=utc_today() - DAY)
    reminders_send_due()
    unsubscribe = mail.outbox[0].extra_headers["List-Unsubscribe"][1:-1]
    Reminder.objects.update(status=ReminderStatus.SCHEDULED, remind_on=utc_today())

    # when the mail program posts the one-click unsubscribe
    response = Client().post(
        urlsplit(unsubscribe).path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    # then the pending reminder is never sent
    assert response.status_code == 200
    _worker_run()
    assert len(mail.outbox) == 1
    assert Reminder.objects.get().status == ReminderStatus.UNSUBSCRIBED


def test_nobody_can_schedule_an_unsubscribed_address_again():
    # given a reader who unsubscribed with the email's one-click link
    reminder_make("reader@example.org", remind_on=utc_today() - DAY)
    reminders_send_due()
    unsubscribe = mail.outbox[0].extra_headers["List-Unsubscribe"][1:-1]
    Client().post(
        urlsplit(unsubscribe).path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    # when someone asks the public API for a reminder to that address (in other letters)
    answer = Client().post(
        "/api/reminders",
        '{"email": "Reader@Example.org", "when": "next-month"}',
        content_type="text/plain",
    )
    Reminder.objects.update(remind_on=utc_today())  # and its day comes

    # then the answer is the usual one, but nothing more is sent
    assert answer.status_code in (200, 202), answer.content
    _worker_run()
    assert len(mail.outbox) == 1
    assert Reminder.objects.get().status == ReminderStatus.UNSUBSCRIBED


def test_a_worker_dying_mid_run_never_makes_a_reminder_go_out_twice(settings):
    # given three due reminders
    for name in ("first", "second", "third"):
        reminder_make(f"{name}@example.org", remind_on=utc_today())
    # and a worker that dies while handing the second email to the mail server
    settings.EMAIL_BACKEND = "readerfund.reminders.tests.backends.DiesOnSecondMessage"
    backends.DiesOnSecondMessage.handed = 0

    _worker_run()

    assert _recipients() == ["first@example.org"]
    died = DBTaskResult.objects.get(
        task_path=send_due_periodically.module_path, status=TaskResultStatus.FAILED
    )
    assert died.exception_class_path.endswith("WorkerDied")

    # when a worker starts again and runs, and again after the claim went stale
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _worker_run()
    _worker_run()
    reminders_send_due(now=datetime.datetime.now(UTC) + STALE_CLAIM + datetime.timedelta(minutes=1))

    # then no address got two emails: the claimed one is given up (at most once)
    assert sorted(_recipients()) == ["first@example.org", "third@example.org"]
    statuses = dict(Reminder.objects.values_list("email", "status"))
    assert statuses == {
        "first@example.org": "sent",
        "second@example.org": "failed",
        "third@example.org": "sent",
    }


def test_a_claim_whose_worker_vanished_is_not_sent_by_the_next_worker():
    reminder = reminder_make(remind_on=utc_today())
    now = datetime.datetime.now(UTC)
    # a worker claimed it, then died before sending
    assert reminder_claim(reminder=reminder, today=utc_today(), now=now)

    _worker_run()

    assert mail.outbox == []
    assert Reminder.objects.get().status == ReminderStatus.SENDING
    # an hour later the claim counts as failed; still not sent
    reminders_send_due(now=now + STALE_CLAIM + datetime.timedelta(seconds=1))
    assert Reminder.objects.get().status == ReminderStatus.FAILED
    assert mail.outbox == []


def test_a_second_claim_of_the_same_reminder_fails():
    reminder = reminder_make(remind_on=utc_today())
    now = datetime.datetime.now(UTC)

    assert reminder_claim(reminder=reminder, today=utc_today(), now=now) is True
    assert reminder_claim(reminder=reminder, today=utc_today(), now=now) is False


def test_a_reminder_moved_to_a_later_date_after_the_due_list_was_read_is_not_claimed():
    reminder = reminder_make(remind_on=utc_today())
    Reminder.objects.update(remind_on=utc_today() + DAY * 30)  # the reader asked again

    assert (
        reminder_claim(reminder=reminder, today=utc_today(), now=datetime.datetime.now(UTC))
        is False
    )


def test_two_workers_at_once_send_each_reminder_once():
    for i in range(60):
        reminder_make(f"reader{i}@example.org", remind_on=utc_today())
    reports = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait()
            reports.append(reminders_send_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    recipients = _recipients()
    assert len(recipients) == 60
    assert len(set(recipients)) == 60
    assert sum(report.sent for report in reports) == 60
    assert Reminder.objects.filter(status=ReminderStatus.SENT).count() == 60


def test_an_address_the_mail_server_refuses_fails_alone(settings, caplog):
    settings.EMAIL_BACKEND = "readerfund.reminders.tests.backends.RefusesSomeRecipients"
    reminder_make("one@example.org")
    reminder_make("gone@refused.example")
    reminder_make("two@example.org")

    with caplog.at_level(logging.INFO, logger="readerfund"):
        report = reminders_send_due()

    assert (report.sent, report.failed) == (2, 1)
    assert sorted(_recipients()) == ["one@example.org", "two@example.org"]
    assert Reminder.objects.get(email="gone@refused.example").status == ReminderStatus.FAILED
    # the log says which reminder, never which address
    assert "SMTPRecipientsRefused" in caplog.text
    assert "@" not in caplog.text


def test_an_unreachable_mail_server_claims_nothing(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.EMAIL_TIMEOUT = 5
    reminder_make(remind_on=utc_today())

    with pytest.raises(OSError):
        reminders_send_due()

    assert Reminder.objects.get().status == ReminderStatus.SCHEDULED
