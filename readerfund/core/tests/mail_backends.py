"""A stand-in for a mail server that refuses the recipients, for the tests of failures."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


class RefusesEveryRecipient(BaseEmailBackend):
    """Refuses every message the way Django's SMTP backend reports it: an error that names
    each refused address."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            refused = {to: (550, b"5.1.1 no such user") for to in message.recipients()}
            raise smtplib.SMTPRecipientsRefused(refused)
        return 0
