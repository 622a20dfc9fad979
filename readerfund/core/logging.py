"""No personal data in logs: email addresses and email-link tokens are redacted from every
log record before any handler writes it.

A reader's address, or a link that acts for them (manage, unsubscribe), must not end up
in a log file that many people and machines read. Django itself logs request paths
("Not Found: /manage/<token>/") and the access logs print every path, so the filter sits
on every handler in settings.LOGGING (Django's request log, runserver's and gunicorn's
access logs included) rather than in the few places readerfund logs on purpose.
"""

from __future__ import annotations

import logging
import re

EMAIL_REDACTED = "[email]"
TOKEN_REDACTED = "[token]"  # noqa: S105 (a marker, not a secret)

# Local part and domain as they appear in logs, "@" also URL-encoded (query strings).
# "=" and "?" are left out of the local part so that "?email=" stays readable.
_EMAIL = re.compile(r"[\w.!#$%&'*+/^`{|}~-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# An email-link token as core.tokens makes it (Django-signed JSON, "eyJ" is base64 of '{"'),
# wherever it appears, ":" also URL-encoded.
_SIGNED_TOKEN = re.compile(
    r"eyJ[A-Za-z0-9_-]*(?::|%3A)[A-Za-z0-9]+(?::|%3A)[A-Za-z0-9_-]+", re.IGNORECASE
)
# A long path segment after the link words, so that truncated or mangled tokens (the
# ones that 404) are redacted too; short ones are the pages' own words ("/manage/export/").
LINK_WORDS = ("manage", "unsubscribe", "confirm")
_LINK_SEGMENT = re.compile(rf"(/(?:{'|'.join(LINK_WORDS)})/)[^/\s?#\"']{{16,}}")


def personal_data_redact(text: str) -> str:
    """The text with email addresses and email-link tokens replaced by markers."""
    text = _SIGNED_TOKEN.sub(TOKEN_REDACTED, text)
    text = _LINK_SEGMENT.sub(lambda match: match.group(1) + TOKEN_REDACTED, text)
    return _EMAIL.sub(EMAIL_REDACTED, text)


class PersonalDataFilter(logging.Filter):
    """Rewrites each record in place, so every later handler sees the redacted text too."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format: leave as is
            message = str(record.msg)
        redacted = personal_data_redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info and not record.exc_text:
            # Exception messages name values too (e.g. a unique-constraint error).
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = personal_data_redact(record.exc_text)
        if record.stack_info:
            record.stack_info = personal_data_redact(record.stack_info)
        return True
