"""Reminders: asking for one, sending the due ones at most once, unsubscribing, forgetting.

Sending is at most once (docs/reminders.md): a worker claims a reminder with a
conditional UPDATE (scheduled → sending) before it builds the email, and only the worker
whose UPDATE changed the row sends it. A worker that dies after the claim leaves the
reminder "sending"; it is never sent again (after an hour it is marked failed). A reader
may miss a reminder when a worker crashes; no reader gets one twice.
"""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import mail
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.crypto import salted_hmac

from readerfund.core.mail import EmailNotSent, email_send
from readerfund.core.ratelimit import RATE_WINDOW, rate_limits_check
from readerfund.reminders.emails import reminder_email
from readerfund.reminders.models import Reminder, ReminderOptOut, ReminderStatus
from readerfund.reminders.selectors import reminders_due, utc_today

logger = logging.getLogger(__name__)

# Per window of RATE_WINDOW seconds. A reader asks once, maybe twice after changing their
# mind; many readers may share one address (a newsroom office, a mobile carrier's NAT).
RATE_LIMIT_PER_IP = 10
RATE_LIMIT_PER_EMAIL = 3
# A claim older than this, still "sending", belongs to a worker that died.
STALE_CLAIM = datetime.timedelta(hours=1)
CHUNK = 500


def email_normalize(email: str) -> str:
    return email.strip().lower()


def email_digest(email: str) -> str:
    """The keyed hash an unsubscribed address is remembered by (without the secret key it
    names nobody; with it, only an address one already knows can be checked)."""
    return salted_hmac("readerfund.reminder-opt-out", email_normalize(email)).hexdigest()


def reminder_rate_limit_check(*, client_ip: str, email: str) -> None:
    """Raises RateLimited when this address (IP) or this email asked too often.

    Only hashes, and only in the cache. Both counters are always counted, so a limited
    email answers the same whether or not it has a reminder.
    """
    rate_limits_check(
        counters=[
            ("remind-ip", client_ip, RATE_LIMIT_PER_IP),
            ("remind-email", email_normalize(email), RATE_LIMIT_PER_EMAIL),
        ],
        window=RATE_WINDOW,
    )


def reminder_request(
    *,
    email: str,
    remind_on: datetime.date,
    language: str,
    campaign: str = "",
    variant: str = "",
    now: datetime.datetime | None = None,
) -> None:
    """Schedules the address's reminder, replacing whatever it had (date, language, status).

    One INSERT … ON CONFLICT (email) DO UPDATE statement whether the address is new, has a
    reminder pending or was reminded before: the same queries and about the same time, so
    the answer tells nothing about the address. Concurrent requests for one address leave
    one reminder (the database's unique constraint decides).
    """
    Reminder.objects.bulk_create(
        [
            Reminder(
                email=email_normalize(email),
                language=language,
                remind_on=remind_on,
                campaign=campaign,
                variant=variant,
                status=ReminderStatus.SCHEDULED,
                created_at=now or timezone.now(),
                sent_at=None,
            )
        ],
        update_conflicts=True,
        unique_fields=["email"],
        update_fields=[
            "language",
            "remind_on",
            "campaign",
            "variant",
            "status",
            "created_at",
            "sent_at",
        ],
    )


def _opted_out(reminders: list[Reminder]) -> set[int]:
    """Which of these reminders are for an address that unsubscribed before."""
    digests = {reminder.pk: email_digest(reminder.email) for reminder in reminders}
    found = set(
        ReminderOptOut.objects.filter(digest__in=digests.values()).values_list("digest", flat=True)
    )
    return {pk for pk, digest in digests.items() if digest in found}


def reminder_claim(*, reminder: Reminder, today: datetime.date, now: datetime.datetime) -> bool:
    """Takes the reminder for sending; True for exactly one caller.

    A conditional UPDATE: of two workers, the database lets one change the row from
    scheduled to sending (PostgreSQL re-checks the condition after the row lock, SQLite
    has one writer). The date is checked again: the reader may have picked a later one
    since the due list was read.
    """
    claimed = Reminder.objects.filter(
        pk=reminder.pk, status=ReminderStatus.SCHEDULED, remind_on__lte=today
    ).update(status=ReminderStatus.SENDING, sent_at=now)
    return claimed == 1


def _finish(reminder: Reminder, status: ReminderStatus) -> None:
    # Only from "sending": an unsubscribe or a new request since the claim stays as it is.
    Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.SENDING).update(status=status)


def reminders_stale_fail(*, now: datetime.datetime) -> int:
    """Marks claims of dead workers failed: whether their email left is unknown, and it is
    not sent again (at most once)."""
    return Reminder.objects.filter(
        status=ReminderStatus.SENDING, sent_at__lt=now - STALE_CLAIM
    ).update(status=ReminderStatus.FAILED)


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int


def reminders_send_due(*, now: datetime.datetime | None = None) -> SendReport:
    """Sends every reminder due on or before today's UTC date, each at most once.

    Raises when the mail server cannot be reached: then nothing was claimed, and the next
    run tries again. A message the server refuses marks its reminder failed.
    """
    now = now or timezone.now()
    started = time.monotonic()
    today = utc_today(now)
    reminders_stale_fail(now=now)
    sent = failed = 0
    last_pk = 0
    with mail.get_connection() as connection:  # opens it: a dead server fails here
        while chunk := list(
            reminders_due(today=today).filter(pk__gt=last_pk).order_by("pk")[:CHUNK]
        ):
            last_pk = chunk[-1].pk
            opted_out = _opted_out(chunk)
            Reminder.objects.filter(pk__in=opted_out, status=ReminderStatus.SCHEDULED).update(
                status=ReminderStatus.UNSUBSCRIBED
            )
            for reminder in chunk:
                # The claim's own time (the run's clock moved on by the time spent): a long
                # run's claims must not look stale to another worker's reminders_stale_fail.
                claimed_at = now + datetime.timedelta(seconds=time.monotonic() - started)
                if reminder.pk in opted_out or not reminder_claim(
                    reminder=reminder, today=today, now=claimed_at
                ):
                    continue  # another worker has it, the reader changed it, or opted out
                try:
                    email_send(
                        reminder_email(reminder=reminder),
                        what=f"reminder {reminder.pk}",
                        connection=connection,
                    )
                except EmailNotSent:
                    # Refused, or the connection broke: whether it left is unknown.
                    _finish(reminder, ReminderStatus.FAILED)
                    failed += 1
                    connection.close()
                    connection.open()  # raises if the server is gone (no address chained)
                    continue
                _finish(reminder, ReminderStatus.SENT)
                sent += 1
    if sent or failed:
        logger.info("reminders sent: %d, failed: %d", sent, failed)
    return SendReport(sent=sent, failed=failed)


def reminder_unsubscribe(*, reminder_id: int) -> None:
    """Stops the reminder (its address has only this one); idempotent. A reminder already
    sent is marked unsubscribed too, which the operator sees in the admin."""
    reminder = Reminder.objects.filter(pk=reminder_id).first()
    if reminder is None:
        return
    # Remembered by hash, so that nobody can schedule this address again (RFC 8058's intent).
    ReminderOptOut.objects.get_or_create(digest=email_digest(reminder.email))
    Reminder.objects.filter(pk=reminder_id).exclude(status=ReminderStatus.UNSUBSCRIBED).update(
        status=ReminderStatus.UNSUBSCRIBED
    )


def reminders_purge(*, now: datetime.datetime | None = None, days: int | None = None) -> int:
    """Deletes finished reminders (sent, failed, unsubscribed, or a claim never finished)
    `days` after they were sent, or asked for when never sent. Returns how many."""
    keep = settings.READERFUND_REMINDER_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - datetime.timedelta(days=keep)
    finished = (
        Reminder.objects.exclude(status=ReminderStatus.SCHEDULED)
        .annotate(finished_at=Coalesce("sent_at", "created_at"))
        .filter(finished_at__lt=cutoff)
    )
    deleted, _ = Reminder.objects.filter(pk__in=finished.values("pk")).delete()
    return deleted


def reminders_forget(email: str) -> int:
    """Deletes every reminder of the address (erasure on request); returns how many."""
    deleted, _ = Reminder.objects.filter(email=email_normalize(email)).delete()
    return deleted


def reminders_export(email: str) -> list[dict[str, Any]]:
    """The address's reminders as JSON-ready data, for the reader's copy of their data."""
    return [
        {
            "email": reminder.email,
            "language": reminder.language,
            "remind_on": reminder.remind_on.isoformat(),
            "campaign": reminder.campaign,
            "variant": reminder.variant,
            "status": reminder.status,
            "created_at": reminder.created_at.isoformat(),
            "sent_at": reminder.sent_at.isoformat() if reminder.sent_at else None,
        }
        for reminder in Reminder.objects.filter(email=email_normalize(email)).order_by("pk")
    ]
