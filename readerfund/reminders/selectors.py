"""Reads for reminders: the dates a reader may pick, and which reminders are due."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from babel.dates import format_date
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from readerfund.reminders.models import Reminder, ReminderDate, ReminderStatus

NEXT_MONTH = "next-month"
THREE_MONTHS = "three-months"


@dataclass(frozen=True)
class Choice:
    """One answer to "when?": `value` is what the form posts back, never a date of the
    reader's own (operator dates are posted as their ISO date and checked against the list)."""

    value: str
    date: datetime.date
    label: str


def utc_today(now: datetime.datetime | None = None) -> datetime.date:
    """Reminders are dated in UTC: the worker sends those due on or before this date."""
    return (now or timezone.now()).astimezone(datetime.UTC).date()


def months_later(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` months later, clamped to the month's end (31 Jan → 28/29 Feb)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def date_long(day: datetime.date, language: str) -> str:
    """The long form of the reader's locale: 'January 3, 2027' in English."""
    return str(format_date(day, format="long", locale=language))


def reminder_choices(*, today: datetime.date, language: str) -> list[Choice]:
    """What the form offers, in order: next month, in three months, each operator date
    still ahead (active ones only)."""
    with translation.override(language):
        next_month = months_later(today, 1)
        three_months = months_later(today, 3)
        choices = [
            Choice(
                NEXT_MONTH,
                next_month,
                _("Next month, %(date)s") % {"date": date_long(next_month, language)},
            ),
            Choice(
                THREE_MONTHS,
                three_months,
                _("In three months, %(date)s") % {"date": date_long(three_months, language)},
            ),
        ]
        for offered in ReminderDate.objects.filter(active=True, date__gt=today):
            label = _("%(label)s, %(date)s") % {
                "label": offered.label(language),
                "date": date_long(offered.date, language),
            }
            choices.append(Choice(offered.date.isoformat(), offered.date, label))
    return choices


def reminder_choice(*, when: str, today: datetime.date, language: str) -> Choice | None:
    """The offered choice the reader posted, or None when `when` is not one of them."""
    return next(
        (c for c in reminder_choices(today=today, language=language) if c.value == when), None
    )


def reminders_due(*, today: datetime.date) -> QuerySet[Reminder]:
    return Reminder.objects.filter(status=ReminderStatus.SCHEDULED, remind_on__lte=today)
