"""Receipt emails: localized text and HTML, with the signed link to manage the gift."""

from __future__ import annotations

from babel.numbers import format_currency
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from readerfund.core.language import language_or_default, language_supported
from readerfund.core.mail import email_build
from readerfund.core.money import money_format
from readerfund.core.tokens import token_make
from readerfund.payments.models import Contribution, Frequency

MANAGE_PURPOSE = "manage"
#: How long an emailed manage link signs a supporter in (receipts and "email me my link").
MANAGE_LINK_DAYS = 60


def manage_url(*, supporter_id: int, language: str = "") -> str:
    """The link in every receipt: /manage/<token>/, which signs the supporter in to the
    self-service pages (readerfund.supporters), for MANAGE_LINK_DAYS.
    `language` opens those pages in the language of the email."""
    token = token_make(purpose=MANAGE_PURPOSE, subject=str(supporter_id))
    url = settings.READERFUND_PUBLIC_URL.rstrip("/") + reverse("supporters:login", args=[token])
    return f"{url}?lang={language}" if language_supported(language) else url


def receipt_email(*, contribution: Contribution) -> EmailMultiAlternatives:
    supporter = contribution.supporter
    if supporter is None:
        raise ValueError("a gift without a trace has nobody to send a receipt to")
    language = language_or_default(supporter.language)
    return email_build(
        to=supporter.email,
        language=language,
        subject=_("Thank you for supporting us — your receipt"),
        template="payments/email/receipt",
        context={
            "contribution": contribution,
            "amount": money_format(contribution.amount, contribution.currency, language),
            "frequency": Frequency(contribution.frequency).label,
            "manage_url": manage_url(supporter_id=supporter.pk, language=language),
            "name": supporter.name,
        },
    )


__all__ = ["format_currency", "manage_url", "receipt_email"]
