"""Aggregates of what each campaign's variants brought, per day, and the weights the worker
chose for optimised campaigns. Counts and sums only: no reader, supporter or payment is
named here (docs/experiments.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyResult(models.Model):
    """One campaign x variant x channel x day (UTC). Rebuilt by the worker from the event
    counters and the ledger (`results_refresh`); variant `_holdout` is the control slice.

    Money columns are in the goal's base currency (minor units): `money` what was received,
    exact; `value` the annualised value (one-off + 12 x monthly + annual) with each gift
    capped, and `value_squares` the sum of its squares, which the statistics need."""

    day = models.DateField(_("day"))
    campaign = models.CharField(_("campaign"), max_length=60)
    variant = models.CharField(_("variant"), max_length=40)
    channel = models.CharField(_("channel"), max_length=10)
    impressions = models.PositiveBigIntegerField(_("impressions"), default=0)
    clicks = models.PositiveBigIntegerField(_("clicks"), default=0)
    dismissals = models.PositiveBigIntegerField(_("dismissals"), default=0)
    snoozes = models.PositiveBigIntegerField(_("remind me later"), default=0)
    checkouts = models.PositiveBigIntegerField(_("checkouts started"), default=0)
    gifts = models.PositiveBigIntegerField(_("gifts"), default=0)
    one_off = models.PositiveBigIntegerField(_("one-off gifts"), default=0)
    new_monthly = models.PositiveBigIntegerField(_("new monthly plans"), default=0)
    new_annual = models.PositiveBigIntegerField(_("new annual plans"), default=0)
    money = models.BigIntegerField(_("money received"), default=0)
    value = models.BigIntegerField(_("annualised value"), default=0)
    value_squares = models.FloatField(_("sum of squared values"), default=0)
    currency = models.CharField(_("currency"), max_length=3)
    # Made up by the demo (demo_seed) so that its pages show something; never in production.
    demo = models.BooleanField(_("demo figures"), default=False)

    class Meta:
        verbose_name = _("daily result")
        verbose_name_plural = _("daily results")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "variant", "channel", "day"], name="daily_result_once"
            )
        ]
        indexes = [models.Index(fields=["day"], name="daily_result_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.campaign}/{self.variant}"


class WeightUpdate(models.Model):
    """The weights an optimised campaign's variants got at one update; the newest row of a
    campaign is what the playbook carries. Kept as the allocation's history."""

    campaign = models.CharField(_("campaign"), max_length=60)
    computed_at = models.DateTimeField(_("computed"))
    weights = models.JSONField(_("weights"))  # {variant key: share of readers, summing to 1}
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("allocation update")
        verbose_name_plural = _("allocation updates")
        ordering = ["campaign", "-computed_at"]
        indexes = [models.Index(fields=["campaign", "-computed_at"], name="weight_update_latest")]

    def __str__(self) -> str:
        return f"{self.campaign} {self.computed_at:%Y-%m-%d %H:%M}"
