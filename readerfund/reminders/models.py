"""Email reminders: one per address, sent once on the date the reader picked.

Only what the reminder needs is kept: the address, its language, the date, the campaign
that asked, and what became of it. Finished reminders are deleted after the retention
period (READERFUND_REMINDER_RETENTION_DAYS, docs/reminders.md).
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ReminderStatus(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("reminder status", "Scheduled")
    # Claimed by a worker: the email is going out, or the worker died while sending it.
    # Never sent again (at most once); older than an hour, it counts as failed.
    SENDING = "sending", pgettext_lazy("reminder status", "Sending")
    SENT = "sent", pgettext_lazy("reminder status", "Sent")
    UNSUBSCRIBED = "unsubscribed", pgettext_lazy("reminder status", "Unsubscribed")
    FAILED = "failed", pgettext_lazy("reminder status", "Failed")


class Reminder(models.Model):
    """An address's reminder. The address is unique: asking again replaces the date
    (one upsert, the same work for a new and a known address)."""

    email = models.EmailField(_("email"), unique=True)  # stored lower-cased
    language = models.CharField(_("language"), max_length=8, default="en")
    remind_on = models.DateField(_("remind on"))
    campaign = models.CharField(_("campaign"), max_length=60, blank=True)
    variant = models.CharField(_("variant"), max_length=40, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ReminderStatus.choices,
        default=ReminderStatus.SCHEDULED,
    )
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    # When a worker took it to send (set with the claim, kept whatever happened next).
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("email reminder")
        verbose_name_plural = _("email reminders")
        indexes = [models.Index(fields=["status", "remind_on"], name="reminder_due")]

    def __str__(self) -> str:
        return f"{self.email} {self.remind_on:%Y-%m-%d}"


class ReminderDate(models.Model):
    """A date the operator offers in the form besides "next month" and "in three months",
    such as a giving day. Offered while active and in the future."""

    date = models.DateField(_("date"), unique=True)
    label_en = models.CharField(_("label in English"), max_length=80)
    label_ru = models.CharField(
        _("label in Russian"), max_length=80, blank=True, help_text=_("Empty: the English label.")
    )
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("reminder date")
        verbose_name_plural = _("reminder dates")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.label_en} ({self.date:%Y-%m-%d})"

    def label(self, language: str) -> str:
        return (self.label_ru if language == "ru" else "") or self.label_en

    def is_offered(self, today: datetime.date) -> bool:
        return self.active and self.date > today


class ReminderOptOut(models.Model):
    """An address that unsubscribed, kept as a keyed hash (not the address): a later request
    for it, by anyone, is answered as usual but never sent. Kept after the reminders go."""

    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("unsubscribed address")
        verbose_name_plural = _("unsubscribed addresses")

    def __str__(self) -> str:
        return f"{self.digest[:12]}… {self.created_at:%Y-%m-%d}"
