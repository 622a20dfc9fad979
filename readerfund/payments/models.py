"""The ledger: payment attempts, contributions, recurring plans, provider events.

Amounts are integers in minor units with an ISO 4217 currency, everywhere. Who gave is a
`supporters.Supporter`: that app owns the person; the ledger names the model only by its
label (as Django's own apps name the user model), so this layer imports nothing above it.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

SUPPORTER_MODEL = "supporters.Supporter"


class Frequency(models.TextChoices):
    ONE_OFF = "one_off", _("One-off")
    MONTHLY = "monthly", _("Monthly")
    ANNUAL = "annual", _("Annual")


class AttemptStatus(models.TextChoices):
    STARTED = "started", _("Started")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class PaymentAttempt(models.Model):
    """A reader pressed "pay": what they chose, recomputed and fixed by the server."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.CharField(_("provider"), max_length=30)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    amount = models.PositiveIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    # Empty for a gift without a trace (a method that allows it, the reader's choice).
    email = models.EmailField(_("email"), blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    email_consent = models.BooleanField(_("agreed to emails"), default=False)
    language = models.CharField(_("language"), max_length=8, default="en")
    campaign = models.CharField(_("campaign"), max_length=60, blank=True)
    variant = models.CharField(_("variant"), max_length=40, blank=True)
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    return_to = models.URLField(_("return to"), max_length=500, blank=True)
    provider_reference = models.CharField(max_length=200, blank=True, db_index=True)
    status = models.CharField(
        max_length=10, choices=AttemptStatus.choices, default=AttemptStatus.STARTED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment attempt")
        verbose_name_plural = _("payment attempts")

    def __str__(self) -> str:
        return f"{self.public_id} {self.amount} {self.currency} {self.frequency}"


class PlanStatus(models.TextChoices):
    INCOMPLETE = "incomplete", _("Incomplete")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Past due")
    PAUSED = "paused", _("Paused")
    CANCELED = "canceled", _("Canceled")


class RecurringPlan(models.Model):
    supporter = models.ForeignKey(SUPPORTER_MODEL, on_delete=models.PROTECT, related_name="plans")
    attempt = models.OneToOneField(PaymentAttempt, on_delete=models.SET_NULL, null=True, blank=True)
    provider = models.CharField(_("provider"), max_length=30)
    provider_plan_id = models.CharField(_("provider's id"), max_length=200)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    amount = models.PositiveIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.INCOMPLETE
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    canceled_at = models.DateTimeField(_("canceled"), null=True, blank=True)
    # Why the supporter paused or canceled, if they said (self-service offers a short list).
    cancel_reason = models.CharField(_("reason"), max_length=40, blank=True)
    cancel_note = models.TextField(_("note"), max_length=500, blank=True)
    # When the provider said what `status` says: an older event never overrides a newer one.
    status_at = models.DateTimeField(null=True, blank=True)
    campaign = models.CharField(_("campaign"), max_length=60, blank=True)
    variant = models.CharField(_("variant"), max_length=40, blank=True)
    channel = models.CharField(_("channel"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("recurring plan")
        verbose_name_plural = _("recurring plans")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_plan_id"], name="plan_unique_per_provider"
            )
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} {self.frequency} ({self.status})"


class ContributionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")  # a bank transfer not yet received
    SUCCEEDED = "succeeded", _("Received")
    REFUNDED = "refunded", _("Refunded")
    DISPUTED = "disputed", _("Disputed")


class Contribution(models.Model):
    """Money received: a one-off gift, or one payment of a recurring plan.

    A gift given without a trace has no supporter: amount, currency and time are all that
    is known of it (no receipt, no manage link, nobody to export or erase)."""

    supporter = models.ForeignKey(
        SUPPORTER_MODEL,
        on_delete=models.PROTECT,
        related_name="contributions",
        null=True,
        blank=True,
    )
    plan = models.ForeignKey(
        RecurringPlan, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    attempt = models.ForeignKey(PaymentAttempt, on_delete=models.SET_NULL, null=True, blank=True)
    provider = models.CharField(_("provider"), max_length=30)
    # The provider's id of this payment; unique per provider, so it is recorded once.
    provider_payment_id = models.CharField(_("provider's id"), max_length=200)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    amount = models.PositiveIntegerField(_("amount (minor units)"))
    refunded_amount = models.PositiveIntegerField(_("refunded (minor units)"), default=0)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ContributionStatus.choices,
        default=ContributionStatus.SUCCEEDED,
    )
    anonymous = models.BooleanField(_("anonymous"), default=False)
    campaign = models.CharField(_("campaign"), max_length=60, blank=True)
    variant = models.CharField(_("variant"), max_length=40, blank=True)
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"], name="contribution_recorded_once"
            )
        ]
        # This month's one-off gifts, for the funding goal (docs/benchmarks.md: 117 → 51 ms).
        indexes = [models.Index(fields=["frequency", "received_at"], name="contribution_month")]

    def __str__(self) -> str:
        giver = self.supporter_id if self.supporter_id is not None else "nobody known"
        return f"{self.amount} {self.currency} from {giver} ({self.status})"


class ProviderEvent(models.Model):
    """Every provider event applied, stored once, in the same transaction as its effects."""

    provider = models.CharField(max_length=30)
    event_id = models.CharField(max_length=200)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("provider event")
        verbose_name_plural = _("provider events")
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.event_id}"


class ReviewReason(models.TextChoices):
    PAID_PARTIAL = "paid_partial", _("Paid too little")
    PAID_OVER = "paid_over", _("Paid too much")
    PAID_LATE = "paid_late", _("Paid after expiry")


class PaymentReview(models.Model):
    """A payment the provider received that does not match what the reader chose (a crypto
    invoice paid partly, over or late): not credited until an admin decides."""

    provider = models.CharField(_("provider"), max_length=30)
    provider_payment_id = models.CharField(_("provider's id"), max_length=200)
    attempt = models.ForeignKey(PaymentAttempt, on_delete=models.SET_NULL, null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=ReviewReason.choices)
    expected_amount = models.PositiveIntegerField(_("expected (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    # What the provider says arrived, in its own words (e.g. "0.00012 BTC ≈ 2.50 USD").
    received = models.CharField(_("received"), max_length=200, blank=True)
    received_amount = models.PositiveIntegerField(_("received (minor units)"), default=0)
    noticed_at = models.DateTimeField(_("noticed"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("payment to review")
        verbose_name_plural = _("payments to review")
        ordering = ["-noticed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"], name="review_once_per_payment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.provider_payment_id} ({self.reason})"
