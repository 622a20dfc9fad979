"""Sending one email so that a failure names the message, never its recipient.

A mail server's error names the addresses it refused (`SMTPRecipientsRefused` carries
them), and the task queue stores a failed task's whole traceback in its table, which
holds no personal data (docs/privacy.md). So a failure is logged and raised again as
EmailNotSent, whose text says which message and what kind of error, and which carries
neither the original error nor its traceback.
"""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger(__name__)


class EmailNotSent(Exception):
    """The message did not leave: "receipt of contribution 42 not sent: SMTPRecipientsRefused"."""


def email_send(
    message: EmailMessage, *, what: str, connection: BaseEmailBackend | None = None
) -> None:
    """Sends the message (through `connection` if given, else a new one).

    `what` names the message by ids only ("receipt of contribution 42"). Raises
    EmailNotSent when sending fails for any reason, with `what` and the error's type.
    """
    if connection is not None:
        message.connection = connection
    failure = ""
    try:
        message.send()
    except Exception as error:
        failure = type(error).__name__
    if failure:
        # Raised here, after the except block, so that the new error's context is not the
        # mail server's: a traceback then shows only this one.
        logger.warning("%s not sent: %s", what, failure)
        raise EmailNotSent(f"{what} not sent: {failure}")
