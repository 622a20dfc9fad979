"""Reminders for tests, in any state, without going through the API."""

from __future__ import annotations

import datetime

from django.utils import timezone

from readerfund.reminders.models import Reminder, ReminderStatus
from readerfund.reminders.selectors import utc_today


def reminder_make(
    email: str = "reader@example.org",
    *,
    remind_on: datetime.date | None = None,
    status: str = ReminderStatus.SCHEDULED,
    language: str = "en",
    campaign: str = "end-of-article-ask",
    variant: str = "control",
    created_at: datetime.datetime | None = None,
    sent_at: datetime.datetime | None = None,
) -> Reminder:
    return Reminder.objects.create(
        email=email,
        remind_on=remind_on or utc_today(),
        status=status,
        language=language,
        campaign=campaign,
        variant=variant,
        created_at=created_at or timezone.now(),
        sent_at=sent_at,
    )
