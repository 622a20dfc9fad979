"""Email backends that fail the way real mail servers and workers do, for the sending tests.

Each delivers like Django's locmem backend (to `mail.outbox`) until its failure happens.
"""

from __future__ import annotations

import smtplib
from typing import Any

from django.core.mail.backends.locmem import EmailBackend


class WorkerDied(BaseException):
    """What killing the worker process does to the code that was running: it stops there.
    A BaseException, so that no `except Exception` in the code under test handles it."""


class DiesOnSecondMessage(EmailBackend):
    """The worker dies while handing the second message of its life to the server."""

    handed = 0

    def send_messages(self, messages: Any) -> int:
        DiesOnSecondMessage.handed += len(messages)
        if DiesOnSecondMessage.handed == 2:
            raise WorkerDied
        return super().send_messages(messages)


class RefusesSomeRecipients(EmailBackend):
    """A server that refuses addresses at refused.example."""

    def send_messages(self, messages: Any) -> int:
        for message in messages:
            if any(to.endswith("@refused.example") for to in message.to):
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"no such user")})
        return super().send_messages(messages)
