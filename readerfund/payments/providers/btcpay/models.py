"""Monthly (or yearly) giving in crypto: a pledge, not a subscription. Crypto has no card
to charge again, so each period readerfund makes a fresh invoice and emails its link; the
gift counts toward the goal only once that invoice is paid (it is then an ordinary gift in
the ledger). A pledge is stopped by the reader's link in any of those emails, or from their
manage page (the provider's `supporter_items`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from readerfund.payments.models import SUPPORTER_MODEL, Frequency, PaymentAttempt


class PledgeStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    STOPPED = "stopped", _("Stopped")


class Pledge(models.Model):
    supporter = models.ForeignKey(
        SUPPORTER_MODEL, on_delete=models.PROTECT, related_name="crypto_pledges"
    )
    # The checkout that started it: one pledge per attempt, however often start() runs.
    attempt = models.OneToOneField(
        PaymentAttempt, on_delete=models.SET_NULL, null=True, blank=True, related_name="pledge"
    )
    provider = models.CharField(_("provider"), max_length=30)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    amount = models.PositiveIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    language = models.CharField(_("language"), max_length=8, default="en")
    campaign = models.CharField(_("campaign"), max_length=60, blank=True)
    variant = models.CharField(_("variant"), max_length=40, blank=True)
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PledgeStatus.choices, default=PledgeStatus.ACTIVE
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    next_due = models.DateField(_("next invoice on"))
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)

    class Meta:
        verbose_name = _("crypto pledge")
        verbose_name_plural = _("crypto pledges")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} {self.frequency} ({self.status})"


class PledgeInvoice(models.Model):
    """One period's invoice of a pledge: made once per period (the unique pair), emailed
    once (`emailed_at`, and the outbox's key)."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="invoices")
    period = models.DateField(_("period"))
    attempt = models.OneToOneField(PaymentAttempt, on_delete=models.SET_NULL, null=True)
    checkout_url = models.URLField(_("checkout link"), max_length=500, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("pledge invoice")
        verbose_name_plural = _("pledge invoices")
        constraints = [
            models.UniqueConstraint(fields=["pledge", "period"], name="pledge_invoice_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.pledge_id} {self.period}"
