"""The reminder email: localized text and HTML, a link to give with the ask's attribution,
and one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from readerfund.core.language import language_or_default
from readerfund.core.mail import email_build
from readerfund.core.tokens import token_make
from readerfund.reminders.models import Reminder
from readerfund.reminders.selectors import date_long

UNSUBSCRIBE_PURPOSE = "reminder-unsubscribe"
# Unsubscribing is idempotent, so the link is not single-use; it outlives the reminder
# (deleted after the retention period), and then finds nothing left to stop.
UNSUBSCRIBE_LINK_DAYS = 90


def _public(path: str) -> str:
    return settings.READERFUND_PUBLIC_URL.rstrip("/") + path


def unsubscribe_url(*, reminder_id: int) -> str:
    token = token_make(purpose=UNSUBSCRIBE_PURPOSE, subject=str(reminder_id))
    return _public(reverse("reminders:unsubscribe", args=[token]))


def give_url(*, reminder: Reminder) -> str:
    """The give page with the attribution of the ask that offered the reminder (the names
    the checkout reads: rf_campaign, rf_variant, rf_channel) and the reader's language."""
    query = {"rf_campaign": reminder.campaign, "rf_variant": reminder.variant}
    params = {key: value for key, value in query.items() if value}
    params |= {"rf_channel": "ask", "lang": reminder.language}
    return _public(reverse("checkout:give")) + "?" + urlencode(params)


def reminder_email(*, reminder: Reminder) -> EmailMultiAlternatives:
    language = language_or_default(reminder.language)
    unsubscribe = unsubscribe_url(reminder_id=reminder.pk)
    return email_build(
        to=reminder.email,
        language=language,
        subject=_("Your reminder: support independent journalism"),
        template="reminders/email/reminder",
        context={
            "asked_on": date_long(reminder.created_at.date(), language),
            "give_url": give_url(reminder=reminder),
            "unsubscribe_url": unsubscribe,
            "retention_days": settings.READERFUND_REMINDER_RETENTION_DAYS,
        },
        headers={
            # RFC 2369 and RFC 8058: mail programs show an "unsubscribe" button that
            # POSTs "List-Unsubscribe=One-Click" to this address, without opening a page.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
