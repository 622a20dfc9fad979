"""Crypto pledges: started with the first gift, a fresh invoice emailed each period after.

The periodic job makes each period's invoice once (a unique row per pledge and period,
written before the provider is asked), then emails it once (the outbox's key): a job run
twice, or two workers at once, make one invoice and one email.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from readerfund.core.mail import EmailNotSent, email_build
from readerfund.core.money import money_format
from readerfund.core.outbox import email_send_once
from readerfund.core.periodic import periodic, periodic_next
from readerfund.core.tokens import token_make
from readerfund.payments.models import Frequency, PaymentAttempt
from readerfund.payments.providers.base import (
    ProviderRefused,
    ProviderUnavailable,
    SupporterItem,
    SupporterItemNotFound,
)
from readerfund.payments.providers.btcpay.models import Pledge, PledgeInvoice, PledgeStatus
from readerfund.payments.registry import provider_get
from readerfund.payments.services import supporter_for

logger = logging.getLogger(__name__)

STOP_PURPOSE = "crypto-pledge-stop"
STOP_LINK_DAYS = 400  # valid across a year of emails (an annual pledge's next one included)
PLEDGE_CHECK_EVERY = datetime.timedelta(hours=1)
PLEDGE_NEEDS_EMAIL = _(
    "A monthly or yearly gift in crypto needs your email: we send each invoice there."
)


def _later(day: datetime.date, frequency: str) -> datetime.date:
    """The same day next month (or year); the month's last day where it has no such day."""
    months = 12 if frequency == Frequency.ANNUAL else 1
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise ValueError(day)  # unreachable: every month has a 28th


def pledge_start(*, attempt: PaymentAttempt) -> Pledge:
    """The pledge a regular crypto gift starts with its first invoice (once per attempt)."""
    first_due = _later(timezone.localdate(), attempt.frequency)
    try:
        with transaction.atomic():
            pledge, _created = Pledge.objects.get_or_create(
                attempt=attempt,
                defaults={
                    "supporter": supporter_for(
                        email=attempt.email, name=attempt.name, consent=attempt.email_consent,
                        language=attempt.language,
                    ),
                    "provider": attempt.provider, "frequency": attempt.frequency,
                    "amount": attempt.amount, "currency": attempt.currency,
                    "language": attempt.language, "campaign": attempt.campaign,
                    "variant": attempt.variant, "channel": attempt.channel,
                    "next_due": first_due,
                },
            )  # fmt: skip
    except IntegrityError:  # started concurrently by a retry of the same attempt
        pledge = Pledge.objects.get(attempt=attempt)
    return pledge


def _period_open(pledge_id: int, today: datetime.date) -> PledgeInvoice | None:
    """Records this period's invoice and its attempt, and moves the pledge on: once."""
    with transaction.atomic():
        pledge = Pledge.objects.select_for_update().get(pk=pledge_id)
        if pledge.status != PledgeStatus.ACTIVE or pledge.next_due > today:
            return None
        first = pledge.attempt
        # Each period's payment is a gift of its own in the ledger (one-off): it counts
        # toward the goal when it is paid, and only then.
        attempt = PaymentAttempt.objects.create(
            provider=pledge.provider, frequency=Frequency.ONE_OFF, amount=pledge.amount,
            currency=pledge.currency, email=pledge.supporter.email,
            name=first.name if first else "", language=pledge.language,
            campaign=pledge.campaign, variant=pledge.variant, channel=pledge.channel,
        )  # fmt: skip
        invoice = PledgeInvoice.objects.create(
            pledge=pledge, period=pledge.next_due, attempt=attempt
        )
        pledge.next_due = _later(pledge.next_due, pledge.frequency)
        pledge.save(update_fields=["next_due"])
        return invoice


def _invoice_start(invoice: PledgeInvoice) -> None:
    """Asks the provider for the period's invoice (a retry reuses it: the attempt's id is
    its order id) and keeps its checkout link."""
    attempt = invoice.attempt
    provider = provider_get(invoice.pledge.provider)
    if attempt is None or provider is None:
        return
    result = provider.start(attempt=attempt, payment_token="")
    if result.outcome != "redirect":
        raise ProviderRefused(result.message or f"{provider.identifier} made no invoice")
    attempt.provider_reference = result.reference
    attempt.save(update_fields=["provider_reference"])
    url = result.redirect_url
    if url.startswith("/"):  # a test-mode page of ours
        url = settings.READERFUND_PUBLIC_URL.rstrip("/") + url
    invoice.checkout_url = url
    invoice.save(update_fields=["checkout_url"])


def pledge_stop_url(*, pledge: Pledge) -> str:
    token = token_make(purpose=STOP_PURPOSE, subject=str(pledge.pk))
    return settings.READERFUND_PUBLIC_URL.rstrip("/") + reverse("btcpay:pledge_stop", args=[token])


def _invoice_email(invoice: PledgeInvoice) -> None:
    pledge = invoice.pledge
    subject = (
        _("Your yearly gift: this year's invoice")
        if pledge.frequency == Frequency.ANNUAL
        else _("Your monthly gift: this month's invoice")
    )
    message = email_build(
        to=pledge.supporter.email,
        language=pledge.language,
        subject=subject,
        template="payments_btcpay/email/pledge_invoice",
        context={
            "amount": money_format(pledge.amount, pledge.currency, pledge.language),
            "checkout_url": invoice.checkout_url,
            "stop_url": pledge_stop_url(pledge=pledge),
            "annual": pledge.frequency == Frequency.ANNUAL,
        },
    )
    email_send_once(message, key=f"crypto-pledge:{invoice.pk}", what=f"pledge invoice {invoice.pk}")
    invoice.emailed_at = timezone.now()
    invoice.save(update_fields=["emailed_at"])


def pledges_invoice(*, today: datetime.date | None = None) -> int:
    """Opens every due period, then makes and emails every invoice not yet emailed (a
    provider or mail server that failed last time is tried again). Returns emails sent."""
    today = today or timezone.localdate()
    due = Pledge.objects.filter(status=PledgeStatus.ACTIVE, next_due__lte=today)
    for pledge_id in due.values_list("pk", flat=True):
        while _period_open(pledge_id, today) is not None:
            pass  # a pledge several periods behind (the worker was down) catches up
    sent = 0
    waiting = PledgeInvoice.objects.filter(
        emailed_at=None, pledge__status=PledgeStatus.ACTIVE
    ).select_related("pledge__supporter", "attempt")
    for invoice in waiting:
        try:
            if not invoice.checkout_url:
                _invoice_start(invoice)
            _invoice_email(invoice)
            sent += 1
        except (ProviderUnavailable, ProviderRefused, EmailNotSent) as error:
            logger.warning("pledge invoice %s waits for the next run: %s", invoice.pk, error)
    return sent


def pledge_stop(*, pledge_id: int) -> bool:
    """The reader's link: no more invoices. True if this call stopped it."""
    stopped = Pledge.objects.filter(pk=pledge_id, status=PledgeStatus.ACTIVE).update(
        status=PledgeStatus.STOPPED, stopped_at=timezone.now()
    )
    return stopped == 1


# ---- on the supporter's own page (PaymentProvider.supporter_items) ------------------------


def pledge_items(*, provider: str, supporter_id: int, language: str) -> list[SupporterItem]:
    """The supporter's running pledges through `provider`, for their manage page."""
    pledges = Pledge.objects.filter(
        provider=provider, supporter_id=supporter_id, status=PledgeStatus.ACTIVE
    ).order_by("-started_at", "-pk")
    items = []
    for pledge in pledges:
        amount = money_format(pledge.amount, pledge.currency, language)
        if pledge.frequency == Frequency.ANNUAL:
            title = gettext("%(amount)s a year in crypto")
            pledged = gettext(
                "You pledged %(amount)s a year in crypto. We email you a fresh invoice each year."
            )
        else:
            title = gettext("%(amount)s a month in crypto")
            pledged = gettext(
                "You pledged %(amount)s a month in crypto. We email you a fresh invoice each month."
            )
        started = date_format(timezone.localdate(pledge.started_at), "DATE_FORMAT")
        next_due = date_format(pledge.next_due, "DATE_FORMAT")
        items.append(
            SupporterItem(
                key=str(pledge.pk),
                title=title % {"amount": amount},
                details=(
                    gettext("Since %(date)s") % {"date": started},
                    gettext("Next invoice on %(date)s") % {"date": next_due},
                ),
                stop_note=pledged % {"amount": amount}
                + " "
                + gettext("After you stop, we send no more invoices for this gift."),
                stopped_note=gettext(
                    "Done: we will send no more invoices for this gift. Thank you for your support."
                ),
            )
        )
    return items


def pledge_stop_own(*, provider: str, supporter_id: int, key: str) -> bool:
    """Stops one of the supporter's own pledges from their manage page (as the emails' link
    does): True if this call stopped it, False if it was stopped already. Another
    supporter's pledge, or one of the other provider's, is SupporterItemNotFound."""
    try:
        pledge_id = int(key)
    except ValueError:
        raise SupporterItemNotFound(key) from None
    if not Pledge.objects.filter(
        pk=pledge_id, provider=provider, supporter_id=supporter_id
    ).exists():
        raise SupporterItemNotFound(key)
    return pledge_stop(pledge_id=pledge_id)


@periodic
@task()
def pledges_periodically() -> None:
    try:
        pledges_invoice()
    finally:
        periodic_next(pledges_periodically, PLEDGE_CHECK_EVERY)
