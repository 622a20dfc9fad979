"""Keeping the experiments' aggregates and weights up to date (the worker runs these).

`results_refresh` rebuilds `DailyResult` rows for recent days from two sources of truth:
the event counters (impressions, clicks, dismissals, snoozes) and the ledger (checkouts
started, gifts, new plans, money). Rebuilding a day whole, rather than adding to it, keeps
the aggregates equal to the ledger after refunds, late webhooks and reruns.

What counts (docs/experiments.md):
- a checkout: a payment attempt with a campaign, on the day it started;
- a gift: a received one-off contribution (status `succeeded`; a partly refunded one counts
  its remainder), or a new recurring plan that got past `incomplete`, on the day it started;
- money: every received contribution of the campaign (one-offs and plans' payments), net of
  refunds, converted to the goal's base currency with the operator's rates;
- annualised value: per gift, one-off + 12 x a monthly amount + an annual amount, converted,
  then capped at READERFUND_EXPERIMENT_VALUE_CAP;
- in production nothing from a test-mode provider (the sandbox), as for the goal.
A currency without an exchange rate counts in gifts but not in money or value.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from babel.numbers import get_currency_precision
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from readerfund import stats
from readerfund.campaigns.models import Campaign, Status
from readerfund.core.playbook_parts import playbook_stale
from readerfund.events.models import EventCount, EventType
from readerfund.experiments.analysis import VariantSummary, weights_compute
from readerfund.experiments.models import DailyResult, WeightUpdate
from readerfund.goals.models import SINGLE_ROW, ExchangeRate, Goal
from readerfund.goals.services import amount_convert
from readerfund.payments.models import (
    Contribution,
    ContributionStatus,
    Frequency,
    PaymentAttempt,
    PlanStatus,
    RecurringPlan,
)
from readerfund.payments.registry import test_mode_identifiers

DEFAULT_CURRENCY = "USD"  # the base currency while no goal is set
#: How many days back each periodic refresh rebuilds (late bank transfers, refunds).
REFRESH_DAYS = 7
EVENT_COLUMNS: dict[str, str] = {
    EventType.IMPRESSION.value: "impressions",
    EventType.CLICK.value: "clicks",
    EventType.DISMISS.value: "dismissals",
    EventType.SNOOZE.value: "snoozes",
}

Key = tuple[datetime.date, str, str, str]  # day, campaign, variant, channel


# ---- arithmetic (no database) -------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    """The goal's base currency and the operator's rates into it (major units)."""

    base: str
    rates: Mapping[str, Decimal]

    def convert(self, amount: int, currency: str) -> int | None:
        """`amount` (minor units of `currency`) in the base's minor units; None: no rate."""
        rate = Decimal(1) if currency == self.base else self.rates.get(currency)
        if rate is None:
            return None
        return amount_convert(amount, currency=currency, base=self.base, rate=rate)

    def cap(self) -> int:
        """READERFUND_EXPERIMENT_VALUE_CAP in the base's minor units."""
        cap = Decimal(settings.READERFUND_EXPERIMENT_VALUE_CAP)
        return int(cap.scaleb(get_currency_precision(self.base)))


def annualised_amount(*, amount: int, frequency: str) -> int:
    """What one gift is worth over a year: a one-off itself, a monthly plan 12 times its
    amount, an annual plan its amount."""
    return amount * 12 if frequency == Frequency.MONTHLY else amount


def gift_value(*, amount: int, currency: str, frequency: str, rates: Rates) -> int | None:
    """A gift's annualised value in the base currency, capped; None without a rate."""
    converted = rates.convert(annualised_amount(amount=amount, frequency=frequency), currency)
    return None if converted is None else min(converted, rates.cap())


@dataclass
class Row:
    impressions: int = 0
    clicks: int = 0
    dismissals: int = 0
    snoozes: int = 0
    checkouts: int = 0
    gifts: int = 0
    one_off: int = 0
    new_monthly: int = 0
    new_annual: int = 0
    money: int = 0
    value: int = 0
    value_squares: float = 0.0
    money_by_currency: dict[str, int] = field(default_factory=dict)

    def add_gift(self, *, frequency: str, value: int | None) -> None:
        self.gifts += 1
        if frequency == Frequency.MONTHLY:
            self.new_monthly += 1
        elif frequency == Frequency.ANNUAL:
            self.new_annual += 1
        else:
            self.one_off += 1
        if value is not None:
            self.value += value
            self.value_squares += float(value) ** 2


# ---- the refresh --------------------------------------------------------------------------


def rates_current() -> Rates:
    goal = Goal.objects.filter(pk=SINGLE_ROW).first()
    if goal is None:
        return Rates(DEFAULT_CURRENCY, {})
    rates = {rate.currency: rate.rate for rate in ExchangeRate.objects.filter(goal=goal)}
    return Rates(goal.currency, rates)


def _uncounted_providers() -> list[str]:
    return test_mode_identifiers() if settings.PRODUCTION else []


def _day(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(datetime.UTC).date()


def _collect(*, since: datetime.date, rates: Rates) -> dict[Key, Row]:
    rows: dict[Key, Row] = defaultdict(Row)
    start = datetime.datetime.combine(since, datetime.time(), tzinfo=datetime.UTC)
    uncounted = _uncounted_providers()

    for count in EventCount.objects.filter(day__gte=since).values_list(
        "day", "campaign", "variant", "channel", "type", "count"
    ):
        day, campaign, variant, channel, type_, number = count
        column = EVENT_COLUMNS.get(type_)
        if column:
            row = rows[(day, campaign, variant, channel)]
            setattr(row, column, getattr(row, column) + number)

    checkouts = (
        PaymentAttempt.objects.filter(created_at__gte=start)
        .exclude(campaign="")
        .exclude(provider__in=uncounted)
        .annotate(day=TruncDate("created_at", tzinfo=datetime.UTC))
        .order_by()
        .values_list("day", "campaign", "variant", "channel")
        .annotate(n=Count("id"))
    )
    for day, campaign, variant, channel, number in checkouts:
        rows[(day, campaign, variant, channel)].checkouts += number

    # One-off gifts, one by one: each is converted and capped on its own.
    one_offs = (
        Contribution.objects.filter(
            received_at__gte=start,
            frequency=Frequency.ONE_OFF,
            status=ContributionStatus.SUCCEEDED,
        )
        .exclude(campaign="")
        .exclude(provider__in=uncounted)
        .values_list("received_at", "campaign", "variant", "channel", "currency")
        .annotate(net=F("amount") - F("refunded_amount"))
    )
    for received_at, campaign, variant, channel, currency, net in one_offs.iterator():
        value = gift_value(amount=net, currency=currency, frequency=Frequency.ONE_OFF, rates=rates)
        rows[(_day(received_at), campaign, variant, channel)].add_gift(
            frequency=Frequency.ONE_OFF, value=value
        )

    plans = (
        RecurringPlan.objects.filter(started_at__gte=start)
        .exclude(status=PlanStatus.INCOMPLETE)
        .exclude(campaign="")
        .exclude(provider__in=uncounted)
        .values_list("started_at", "campaign", "variant", "channel", "currency", "frequency")
        .annotate(amount_=F("amount"))
    )
    for started_at, campaign, variant, channel, currency, frequency, amount in plans.iterator():
        value = gift_value(amount=amount, currency=currency, frequency=frequency, rates=rates)
        rows[(_day(started_at), campaign, variant, channel)].add_gift(
            frequency=frequency, value=value
        )

    money = (
        Contribution.objects.filter(received_at__gte=start, status=ContributionStatus.SUCCEEDED)
        .exclude(campaign="")
        .exclude(provider__in=uncounted)
        .annotate(day=TruncDate("received_at", tzinfo=datetime.UTC))
        .order_by()
        .values_list("day", "campaign", "variant", "channel", "currency")
        .annotate(net=Sum(F("amount") - F("refunded_amount")))
    )
    for day, campaign, variant, channel, currency, net in money:
        by_currency = rows[(day, campaign, variant, channel)].money_by_currency
        by_currency[currency] = by_currency.get(currency, 0) + int(net)
    for row in rows.values():
        # Each currency's sum is converted once, rounded down, as the goal does.
        row.money = sum(
            converted
            for currency, amount in row.money_by_currency.items()
            if (converted := rates.convert(amount, currency)) is not None
        )
    return rows


@transaction.atomic
def results_refresh(*, since: datetime.date | None = None) -> int:
    """Rebuilds every DailyResult from `since` (default: the last REFRESH_DAYS days) to
    today; returns the number of rows written."""
    since = since or timezone.now().date() - datetime.timedelta(days=REFRESH_DAYS)
    rates = rates_current()
    rows = _collect(since=since, rates=rates)
    DailyResult.objects.filter(day__gte=since, demo=False).delete()
    DailyResult.objects.bulk_create(
        [
            DailyResult(
                day=day,
                campaign=campaign,
                variant=variant,
                channel=channel,
                currency=rates.base,
                impressions=row.impressions,
                clicks=row.clicks,
                dismissals=row.dismissals,
                snoozes=row.snoozes,
                checkouts=row.checkouts,
                gifts=row.gifts,
                one_off=row.one_off,
                new_monthly=row.new_monthly,
                new_annual=row.new_annual,
                money=row.money,
                value=row.value,
                value_squares=row.value_squares,
            )
            for (day, campaign, variant, channel), row in rows.items()
        ],
        batch_size=2000,
    )
    return len(rows)


# ---- adaptive allocation ------------------------------------------------------------------


def variant_summaries(*, campaign: str) -> list[VariantSummary]:
    """Each variant's totals over the campaign's whole life (control slice included)."""
    totals = (
        DailyResult.objects.filter(campaign=campaign)
        .order_by()
        .values_list("variant")
        .annotate(
            n=Sum("impressions"), gifts=Sum("gifts"), value=Sum("value"), sq=Sum("value_squares")
        )
    )
    return [
        VariantSummary(
            variant=variant,
            impressions=int(n or 0),
            conversions=int(gifts or 0),
            value_sum=float(value or 0),
            value_squares=float(sq or 0),
        )
        for variant, n, gifts, value, sq in totals
    ]


def _allocation_settings(campaign: Campaign, *, variants: int) -> stats.AllocationSettings:
    """The campaign's floor and burn-in; the rest (draws, top-two, sharpness) as tuned in
    readerfund.stats. A floor above an even split would leave nothing to move."""
    floor = float(campaign.optimise_floor) / 100
    return stats.AllocationSettings(
        floor=min(floor, 1 / max(variants, 1)), burn_in=campaign.optimise_burn_in
    )


def _weights_store(
    *, campaign: Campaign, now: datetime.datetime
) -> tuple[WeightUpdate | None, bool]:
    """New weights for an optimised campaign, stored; (the update or None during the
    burn-in, whether the published weights moved)."""
    keys = list(campaign.variants.values_list("key", flat=True))
    by_variant = {s.variant: s for s in variant_summaries(campaign=campaign.slug)}
    summaries = [by_variant.get(key) or VariantSummary(variant=key) for key in keys]
    weights = weights_compute(
        summaries=summaries,
        settings=_allocation_settings(campaign, variants=len(keys)),
        seed=f"{campaign.slug}:{now.isoformat()}",
    )
    if weights is None:
        return None, False
    previous = (
        WeightUpdate.objects.filter(campaign=campaign.slug)
        .order_by("-computed_at")
        .values_list("weights", flat=True)
        .first()
    )
    update = WeightUpdate.objects.create(
        campaign=campaign.slug,
        computed_at=now,
        weights={k: round(w, 4) for k, w in weights.items()},
    )
    return update, update.weights != previous


def weights_update(
    *, campaign: Campaign, now: datetime.datetime | None = None
) -> WeightUpdate | None:
    """Computes and stores new weights for an optimised campaign, and has the playbook
    rebuilt when they changed; None while the burn-in lasts (the variants' own weights
    apply)."""
    update, moved = _weights_store(campaign=campaign, now=now or timezone.now())
    # Every update is kept (history, and the interval counts from it), but readers' cached
    # playbooks are only worth replacing when the published weights move.
    if moved:
        playbook_stale.send(sender=WeightUpdate)  # campaigns rebuilds it after the commit
    return update


def weights_due(*, now: datetime.datetime | None = None) -> Iterable[Campaign]:
    """Live optimised campaigns whose last update is older than their interval."""
    now = now or timezone.now()
    for campaign in Campaign.objects.filter(status=Status.LIVE, optimise=True):
        last = (
            WeightUpdate.objects.filter(campaign=campaign.slug)
            .order_by("-computed_at")
            .values_list("computed_at", flat=True)
            .first()
        )
        if last is None or now - last >= datetime.timedelta(
            minutes=campaign.optimise_every_minutes
        ):
            yield campaign


def weights_update_due(*, now: datetime.datetime | None = None) -> list[WeightUpdate]:
    """Every due campaign's update; the playbook is rebuilt once, if any weights moved (a
    rebuild per campaign cost more than all the sampling: docs/benchmarks.md)."""
    now = now or timezone.now()
    updates, moved = [], False
    for campaign in list(weights_due(now=now)):
        update, changed = _weights_store(campaign=campaign, now=now)
        if update is not None:
            updates.append(update)
            moved = moved or changed
    if moved:
        playbook_stale.send(sender=WeightUpdate)
    return updates


# ---- the demo -----------------------------------------------------------------------------

#: The demo's made-up weeks: (campaign, variant, channel, impressions a day, click-through,
#: gifts per 1,000 views, mean annualised value in cents).
DEMO_VARIANTS = (
    ("end-of-article-ask", "control", "ask", 2600, 0.031, 1.6, 9000),
    ("end-of-article-ask", "urgent", "ask", 2600, 0.036, 2.0, 8800),
    ("no-ads-banner", "control", "banner", 5200, 0.012, 0.5, 7000),
    ("banned-in-russia", "control", "header", 1400, 0.02, 0.4, 6000),
)
DEMO_WEEKS = 6


def results_demo_seed(*, today: datetime.date | None = None) -> int:
    """Several weeks of made-up daily results, marked `demo`, ending before the days the
    worker rebuilds from real counts; once only. Aggregates only: no ledger rows."""
    if DailyResult.objects.filter(demo=True).exists():
        return 0
    rng = random.Random(2026)  # noqa: S311  (made-up figures, not secrets)
    last = (today or timezone.now().date()) - datetime.timedelta(days=REFRESH_DAYS + 1)
    base = rates_current().base
    rows = []
    for back in range(DEMO_WEEKS * 7):
        day = last - datetime.timedelta(days=back)
        weekend = 0.7 if day.weekday() >= 5 else 1.0
        for campaign, variant, channel, views, ctr, per_mille, mean in DEMO_VARIANTS:
            n = int(views * weekend * rng.uniform(0.85, 1.15))
            gifts = sum(rng.random() < per_mille / 1000 for _ in range(n))
            values = [min(int(rng.lognormvariate(0, 1.2) * mean / 2), 25_000) for _ in range(gifts)]
            rows.append(
                DailyResult(
                    day=day,
                    campaign=campaign,
                    variant=variant,
                    channel=channel,
                    demo=True,
                    impressions=n,
                    clicks=int(n * ctr * rng.uniform(0.9, 1.1)),
                    dismissals=int(n * 0.01),
                    snoozes=int(n * 0.002),
                    checkouts=gifts + int(gifts * 0.6),
                    gifts=gifts,
                    one_off=gifts // 2,
                    new_monthly=gifts - gifts // 2,
                    money=sum(values) // 6,
                    value=sum(values),
                    value_squares=float(sum(v * v for v in values)),
                    currency=base,
                )
            )
    DailyResult.objects.bulk_create(rows)
    return len(rows)
