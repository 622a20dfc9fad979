"""Building an email (text and HTML from two templates, in the reader's language) and
sending one so that a failure names the message, never its recipient.

A mail server's error names the addresses it refused (`SMTPRecipientsRefused` carries
them), and the task queue stores a failed task's whole traceback in its table, which
holds no personal data (docs/privacy.md). So a failure is logged and raised again as
EmailNotSent, whose text says which message and what kind of error, and which carries
neither the original error nor its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise

from readerfund.core.language import language_or_default
from readerfund.core.newsroom import newsroom_face, newsroom_sender

logger = logging.getLogger(__name__)


def email_build(
    *,
    to: str,
    language: str,
    subject: str | Promise,
    template: str,
    context: Mapping[str, Any],
    headers: Mapping[str, str] | None = None,
) -> EmailMultiAlternatives:
    """One message to `to`: `template`.txt as its text, `template`.html as its HTML part
    (both extend the one email layout), the subject and both parts in `language` (English
    when readerfund does not speak it), from the newsroom's sender name and with its face
    in the layout (`newsroom`). Pass lazy strings (gettext_lazy, a choice's label)
    for whatever must be translated: they are rendered in `language` here."""
    language = language_or_default(language)
    # Every email carries the newsroom's face (name, logo, accent) and comes from its name.
    values = {"newsroom": newsroom_face(language=language), **context}
    with translation.override(language):
        title = str(subject)
        text = render_to_string(f"{template}.txt", values)
        html = render_to_string(f"{template}.html", values)
    sender = newsroom_sender(language=language)
    message = EmailMultiAlternatives(
        title, text, from_email=sender, to=[to], headers=dict(headers or {})
    )
    message.attach_alternative(html, "text/html")
    return message


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
