"""A supporter's data rights: a copy of everything readerfund holds about them (export) and
anonymization on request (erasure).

Each app that stores something about a person registers a step with
readerfund.core.privacy (the ledger, reminders, the admin's log); this module runs them
all, around the supporter's own record. Erasure keeps the accounts: amounts, currencies,
dates, statuses and campaign attribution stay, so totals, the funding gap and campaign
statistics do not change; what could name the person goes. See docs/privacy.md.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from readerfund.core.privacy import DataSubject, ErasureBlocked, privacy_steps
from readerfund.supporters.models import Supporter

__all__ = ["ERASED_DOMAIN", "ErasureBlocked", "erased_email", "supporter_erase", "supporter_export"]

logger = logging.getLogger(__name__)

EXPORT_FORMAT = "readerfund.supporter-export"
EXPORT_VERSION = 1

#: The domain of erased addresses: `.invalid` is reserved (RFC 2606), so no mail can
#: ever be delivered to one, and none can belong to a real reader.
ERASED_DOMAIN = "erased.invalid"


def erased_email(supporter_id: int) -> str:
    """The unique, undeliverable address an erased supporter keeps (email is unique)."""
    return f"erased-{supporter_id}@{ERASED_DOMAIN}"


def _subject(supporter: Supporter) -> DataSubject:
    language = supporter.language if supporter.language in dict(settings.LANGUAGES) else "en"
    name = supporter.name.strip().casefold()
    return DataSubject(
        supporter_id=supporter.pk,
        email=supporter.email.strip().lower(),
        language=language,
        names=frozenset([name] if name else []),
        placeholder=erased_email(supporter.pk),
    )


def supporter_export(supporter: Supporter) -> dict[str, Any]:
    """Everything readerfund holds about the supporter, as JSON-ready data (format 1):
    their own record, then each registered step's sections."""
    document: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "supporter": {
            "email": supporter.email,
            "name": supporter.name,
            "language": supporter.language,
            "email_consent": supporter.email_consent,
            "created_at": supporter.created_at.isoformat(),
            "erased_at": supporter.erased_at.isoformat() if supporter.erased_at else None,
        },
    }
    subject = _subject(supporter)
    for step in privacy_steps():
        document.update(step.export(subject))
    return document


def supporter_erase(supporter: Supporter) -> None:
    """Anonymizes the supporter's personal data everywhere; keeps the amounts.

    1. Every step prepares outside the transaction (the ledger cancels each plan that may
       still charge at its provider); ErasureBlocked from any step: nothing is erased.
    2. In one transaction, with the supporter's row locked: every step erases its part
       (checkouts, plans' notes, provider events, email reminders, admin log entries),
       then the supporter's address becomes an undeliverable placeholder and name and
       consent go.

    Idempotent: erasing again finds nothing more to change. A later gift from the same
    address makes a new supporter (the old record no longer carries the address).
    """
    steps = privacy_steps()
    subject = _subject(supporter)
    prepared = [step.erase_prepare(subject) for step in steps]

    with transaction.atomic():
        locked = Supporter.objects.select_for_update().get(pk=supporter.pk)
        subject = _subject(locked)
        for step, state in zip(steps, prepared, strict=True):
            step.erase(subject, state)
        locked.email = subject.placeholder
        locked.name = ""
        locked.email_consent = False
        locked.erased_at = locked.erased_at or timezone.now()
        locked.save(update_fields=["email", "name", "email_consent", "erased_at"])
    supporter.refresh_from_db()
    logger.info("erased the personal data of supporter %s", supporter.pk)
