"""Emails that must leave at most once, and at least once where a crash allows it.

A task that sends an email may run twice: its worker can die mid-task, and
core.heartbeat then queues it again. `email_send_once` makes that second run safe:

1. it opens the connection to the mail server first (the slow part: DNS, TCP, TLS, login);
2. then records a claim (core.EmailDispatch, committed at once);
3. hands the message over on the open connection;
4. and records `sent_at`.

A crash before 2 leaves no claim: the next run sends (at least once). A crash after 4
leaves `sent_at`: the next run does not (at most once). A crash between 2 and 4 — while
the mail server takes the message, a few milliseconds on an open connection — leaves a
claim without `sent_at`: whether the email left is unknown, and the next run does not send
it again but fails with EmailOutcomeUnknown, naming it for the operator. That is the one
window where an email may be missed; no crash can send one twice.
"""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError
from django.utils import timezone

from readerfund.core.mail import EmailNotSent, email_send
from readerfund.core.models import EmailDispatch

logger = logging.getLogger(__name__)


class EmailOutcomeUnknown(Exception):
    """An earlier run was stopped while handing this email over; it is not sent again."""


def email_send_once(
    message: EmailMessage, *, key: str, what: str, connection: BaseEmailBackend | None = None
) -> bool:
    """Sends the message unless the email `key` ("receipt:42") was sent or claimed before.

    Returns False when it had been sent already. Raises EmailNotSent (the claim is then
    released, so a later run may send) or EmailOutcomeUnknown (see the module docstring).
    The worker runs tasks outside any transaction, so the claim is committed before the
    hand-over (inside a transaction, as in some tests, it would only be as durable as that).
    """
    earlier = EmailDispatch.objects.filter(key=key).first()
    if earlier is not None and earlier.sent_at is not None:
        logger.info("%s was sent already; not again", what)
        return False
    if earlier is not None:
        raise EmailOutcomeUnknown(
            f"{what}: a worker stopped while handing it to the mail server "
            f"({earlier.claimed_at:%Y-%m-%d %H:%M:%S} UTC); not sent again, it may not have left"
        )
    connection = connection or get_connection()
    connection.open()  # before the claim: a crash while connecting must not block a resend
    try:
        try:
            EmailDispatch.objects.create(key=key, claimed_at=timezone.now())
        except IntegrityError:
            logger.info("%s is being sent by another run; not again", what)
            return False
        try:
            email_send(message, what=what, connection=connection)
        except EmailNotSent:
            # The mail server refused or failed it: it did not leave, a retry may send it.
            EmailDispatch.objects.filter(key=key).delete()
            raise
        EmailDispatch.objects.filter(key=key).update(sent_at=timezone.now())
    finally:
        connection.close()
    return True
