"""Imported statements and their credit entries: each entry stored once, by its statement
identity, with what became of it (credited, a standing order's payment, or for review)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from readerfund.payments.models import Contribution


class Statement(models.Model):
    """One imported file: what it held and what the import did with it."""

    filename = models.CharField(_("file"), max_length=200)
    format = models.CharField(_("format"), max_length=10)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    entries = models.PositiveIntegerField(_("entries"), default=0)
    new_credits = models.PositiveIntegerField(_("new credits"), default=0)
    credited = models.PositiveIntegerField(_("credited"), default=0)
    to_review = models.PositiveIntegerField(_("to review"), default=0)
    known = models.PositiveIntegerField(_("already imported"), default=0)

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.imported_at:%Y-%m-%d %H:%M})"


class Outcome(models.TextChoices):
    CREDITED = "credited", _("Credited")
    STANDING_ORDER = "standing_order", _("Standing order payment")
    REVIEW = "review", _("To review")
    ASSIGNED = "assigned", _("Assigned by an admin")
    DISMISSED = "dismissed", _("Not a gift")


class Reason(models.TextChoices):
    NONE = "", "-"
    UNMATCHED = "unmatched", _("No pending transfer has this reference")
    NO_REFERENCE = "no_reference", _("No reference in the text")
    PARTIAL = "partial", _("Less than the transfer's amount")
    OVER = "over", _("More than the transfer's amount")
    CURRENCY = "currency", _("Another currency than the transfer's")
    REPEAT = "repeat", _("A second payment of a received transfer")


class StatementEntry(models.Model):
    """A credit on the newsroom's account (debits are not kept)."""

    # The entry's statement identity (entries.entry_keys): unique, so an entry is applied
    # once however many files carry it, and a concurrent import of the same file waits
    # for the first and then finds it there.
    key = models.CharField(max_length=200, unique=True)
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    account = models.CharField(_("account"), max_length=34)
    booked_on = models.DateField(_("booked"))
    amount = models.PositiveBigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    remittance = models.CharField(_("text"), max_length=500, blank=True)
    payer = models.CharField(_("payer"), max_length=200, blank=True)
    reference = models.CharField(_("reference found"), max_length=20, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    reason = models.CharField(_("why"), max_length=20, choices=Reason.choices, blank=True)
    contribution = models.ForeignKey(
        Contribution,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="statement_entries",
        verbose_name=_("contribution"),
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("statement entry")
        verbose_name_plural = _("statement entries")
        ordering = ["-booked_on", "-pk"]
        indexes = [models.Index(fields=["outcome"], name="statement_entry_outcome")]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.amount} {self.currency} {self.reference or '-'}"
