"""The funding goal: the monthly running cost the operator sets, the exchange rates used to
count money in other currencies, and the last figure computed (what readers are served)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import is_currency
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# The goal and its figure are single rows: one newsroom, one monthly running cost.
SINGLE_ROW = 1


def currency_validate(value: str) -> None:
    if not (len(value) == 3 and value.isupper() and is_currency(value)):
        raise ValidationError(
            _("“%(code)s” is not an ISO 4217 currency code, like USD or EUR."),
            params={"code": value},
        )


class Goal(models.Model):
    """The monthly running cost, in one base currency. One row (pk=1), or none: no goal.

    Money in other currencies counts through the operator's exchange rates (`rates`). They
    are set by hand, never fetched: the newsroom decides which rate it wants to show.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLE_ROW, editable=False)
    monthly_cost = models.PositiveBigIntegerField(
        _("monthly running cost (minor units)"), validators=[MinValueValidator(1)]
    )
    currency = models.CharField(
        _("base currency"), max_length=3, default="USD", validators=[currency_validate]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("funding goal")
        verbose_name_plural = _("funding goal")

    def __str__(self) -> str:
        return str(_("Monthly running cost"))


class ExchangeRate(models.Model):
    """How much one unit of `currency` is worth in the goal's base currency (major units:
    EUR 1.08 means 1 EUR counts as 1.08 USD when the base is USD)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="rates")
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_validate])
    rate = models.DecimalField(
        _("base units per 1 unit"),
        max_digits=20,
        decimal_places=8,
        validators=[MinValueValidator(Decimal("0.00000001"))],
    )

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [models.UniqueConstraint(fields=["goal", "currency"], name="goal_rate_once")]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate}"


class GoalFigure(models.Model):
    """The last figure computed (one row, pk=1; none while no goal is set).

    Readers are served this, through the playbook, never a live computation. All amounts are
    in the base currency's minor units; `raised` = `recurring` + `one_off` + `bank_transfers`.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLE_ROW, editable=False)
    currency = models.CharField(_("currency"), max_length=3)
    target = models.PositiveBigIntegerField(_("target (minor units)"))
    raised = models.PositiveBigIntegerField(_("raised (minor units)"))
    recurring = models.PositiveBigIntegerField(_("recurring plans, monthly (minor units)"))
    one_off = models.PositiveBigIntegerField(_("one-off gifts (minor units)"))
    bank_transfers = models.PositiveBigIntegerField(_("bank transfers (minor units)"))
    # Per currency seen: {"currency", "recurring", "one_off", "bank_transfers" (that
    # currency's minor units), "rate" (decimal string, or null: left out of the figure)}.
    by_currency = models.JSONField(_("by currency"), default=list)
    month = models.DateField(_("month"))  # its first day (UTC)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("goal figure")
        verbose_name_plural = _("goal figure")

    def __str__(self) -> str:
        return f"{self.raised}/{self.target} {self.currency} {self.month:%Y-%m}"
