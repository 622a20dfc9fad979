"""The funding gap: this calendar month's money (UTC) against the monthly running cost.

What counts (docs/goal.md):
- recurring plans that are `active` or `past_due`, at their monthly equivalent: a monthly
  plan its amount; annual plans a twelfth — both defined once in `payments.selectors`
  (`plans_counted`, `monthly_equivalent`, `COUNTED_PLAN_STATUSES`);
- one-off gifts received this month (status `succeeded`, any provider; a bank transfer from
  the moment an admin marks it received), minus what was refunded of them; refunded and
  disputed gifts do not count. The single payments of recurring plans are not added: the
  plan already counts every month it stays active;
- in production, nothing from a test-mode provider (the sandbox), whatever
  READERFUND_TEST_MODE says: test money never shows in the public figure. The demo counts
  it, so that its goal moves.

Money in another currency counts through the operator's exchange rate; a currency without
a rate is left out of the figure (and the admin warns about it).

The arithmetic comes first and touches no database, so it can be tested with generated
inputs; then the two aggregate queries; then the refresh that stores the figure.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, localcontext
from typing import Any

from babel.numbers import get_currency_precision
from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from readerfund.core.playbook_parts import playbook_stale
from readerfund.goals.models import SINGLE_ROW, ExchangeRate, Goal, GoalFigure
from readerfund.payments.models import (
    Contribution,
    ContributionStatus,
    Frequency,
)
from readerfund.payments.registry import test_mode_identifiers, transfer_identifiers
from readerfund.payments.selectors import monthly_equivalent, plans_counted

# ---- arithmetic (no database) -------------------------------------------------------------


@dataclass(frozen=True)
class PlanTotal:
    """The summed amounts of the counted plans of one currency and frequency."""

    currency: str
    frequency: str  # "monthly" or "annual"
    amount: int


@dataclass(frozen=True)
class GiftTotal:
    """This month's one-off gifts of one currency: received minus refunded."""

    currency: str
    bank_transfer: bool
    amount: int


@dataclass(frozen=True)
class CurrencyTotals:
    """The money of one currency, in that currency's minor units."""

    currency: str
    recurring: int  # monthly equivalent
    one_off: int
    bank_transfers: int
    rate: Decimal | None  # base units per unit; None: no rate, left out of the figure

    @property
    def total(self) -> int:
        return self.recurring + self.one_off + self.bank_transfers


@dataclass(frozen=True)
class Figure:
    """This month's figure in the base currency's minor units."""

    currency: str
    target: int
    month: datetime.date  # the first day
    recurring: int
    one_off: int
    bank_transfers: int
    by_currency: tuple[CurrencyTotals, ...]

    @property
    def raised(self) -> int:
        return self.recurring + self.one_off + self.bank_transfers

    @property
    def gap(self) -> int:
        return goal_gap(raised=self.raised, target=self.target)

    @property
    def percent(self) -> int:
        return goal_percent(raised=self.raised, target=self.target)

    @property
    def excluded(self) -> dict[str, int]:
        """Currencies with money but no exchange rate: their totals, in their minor units."""
        return {t.currency: t.total for t in self.by_currency if t.rate is None and t.total}


def amount_convert(amount: int, *, currency: str, base: str, rate: Decimal) -> int:
    """`amount` (minor units of `currency`) in minor units of `base`, rounded down.

    `rate` is in major units (1 EUR = 1.08 USD), so the currencies' decimals are applied:
    1000 JPY (no decimals) at 0.0067 is 670 US cents. The base currency converts at 1.
    """
    if currency == base:
        return amount
    with localcontext() as context:
        context.prec = 60  # exact for any stored amount and rate; only the floor rounds
        shift = get_currency_precision(base) - get_currency_precision(currency)
        value = (Decimal(amount) * rate).scaleb(shift)
        return int(value.to_integral_value(rounding=ROUND_FLOOR))


def goal_gap(*, raised: int, target: int) -> int:
    """What is missing this month; never negative (a month above its goal has no gap)."""
    return max(0, target - raised)


def goal_percent(*, raised: int, target: int) -> int:
    """Whole percent, rounded down (100 only once the goal is reached); may pass 100."""
    return raised * 100 // target


def figure_compute(
    *,
    target: int,
    currency: str,
    rates: Mapping[str, Decimal],
    plans: Iterable[PlanTotal],
    gifts: Iterable[GiftTotal],
    month: datetime.date,
) -> Figure:
    """Sums per currency, converts each part of each currency once (rounded down) and adds
    the parts: raised = recurring + one-off + bank transfers, exactly."""
    monthly: dict[str, int] = {}
    annual: dict[str, int] = {}
    one_off: dict[str, int] = {}
    bank: dict[str, int] = {}
    for plan in plans:
        into = annual if plan.frequency == Frequency.ANNUAL else monthly
        into[plan.currency] = into.get(plan.currency, 0) + plan.amount
    for gift in gifts:
        into = bank if gift.bank_transfer else one_off
        into[gift.currency] = into.get(gift.currency, 0) + gift.amount

    by_currency = []
    converted = {"recurring": 0, "one_off": 0, "bank_transfers": 0}
    for code in sorted({*monthly, *annual, *one_off, *bank}):
        rate = Decimal(1) if code == currency else rates.get(code)
        totals = CurrencyTotals(
            currency=code,
            # The annual amounts of one currency are summed first, then divided once.
            recurring=(
                monthly_equivalent(amount=monthly.get(code, 0), frequency=Frequency.MONTHLY)
                + monthly_equivalent(amount=annual.get(code, 0), frequency=Frequency.ANNUAL)
            ),
            one_off=one_off.get(code, 0),
            bank_transfers=bank.get(code, 0),
            rate=rate,
        )
        by_currency.append(totals)
        if rate is None:
            continue
        for part in converted:
            native: int = getattr(totals, part)
            converted[part] += amount_convert(native, currency=code, base=currency, rate=rate)
    return Figure(
        currency=currency,
        target=target,
        month=month,
        by_currency=tuple(by_currency),
        **converted,
    )


def month_bounds(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """The calendar month (UTC) around `now`: its first instant and the next month's."""
    utc = now.astimezone(datetime.UTC)
    start = utc.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, following


# ---- queries: aggregated in the database, a handful of rows each --------------------------


def _uncounted_providers() -> list[str]:
    """Providers whose money the figure leaves out: test money, in production."""
    return test_mode_identifiers() if settings.PRODUCTION else []


def plan_totals_read() -> list[PlanTotal]:
    """One GROUP BY over the plans: (currency, frequency) → summed amount."""
    rows = (
        plans_counted()
        .exclude(provider__in=_uncounted_providers())
        .order_by()
        .values_list("currency", "frequency")
        .annotate(total=Sum("amount"))
    )
    return [PlanTotal(currency, frequency, int(total)) for currency, frequency, total in rows]


def gift_totals_read(*, start: datetime.datetime, end: datetime.datetime) -> list[GiftTotal]:
    """One GROUP BY over this month's received one-offs: (currency, provider) → received
    minus refunded. A partly refunded gift stays `succeeded` with its `refunded_amount`; a
    fully refunded or disputed one has another status and drops out."""
    rows = (
        Contribution.objects.filter(
            frequency=Frequency.ONE_OFF,
            status=ContributionStatus.SUCCEEDED,
            received_at__gte=start,
            received_at__lt=end,
        )
        .exclude(provider__in=_uncounted_providers())
        .order_by()
        .values_list("currency", "provider")
        .annotate(total=Sum(F("amount") - F("refunded_amount")))
    )
    transfers = transfer_identifiers()
    return [
        GiftTotal(currency, provider in transfers, int(total)) for currency, provider, total in rows
    ]


def goal_figure_current(
    *, goal: Goal | None = None, now: datetime.datetime | None = None
) -> Figure | None:
    """This month's figure, computed now from the ledger; None when no goal is set.

    Readers never wait for this: they get the stored figure (`goal_refresh` stores it).
    """
    goal = goal or Goal.objects.filter(pk=SINGLE_ROW).first()
    if goal is None:
        return None
    start, end = month_bounds(now or timezone.now())
    rates = {rate.currency: rate.rate for rate in ExchangeRate.objects.filter(goal=goal)}
    return figure_compute(
        target=goal.monthly_cost,
        currency=goal.currency,
        rates=rates,
        plans=plan_totals_read(),
        gifts=gift_totals_read(start=start, end=end),
        month=start.date(),
    )


# ---- storing the figure -------------------------------------------------------------------


def _by_currency_document(figure: Figure) -> list[dict[str, Any]]:
    return [
        {
            "currency": t.currency,
            "recurring": t.recurring,
            "one_off": t.one_off,
            "bank_transfers": t.bank_transfers,
            "rate": None if t.rate is None else str(t.rate),
        }
        for t in figure.by_currency
    ]


def _public_part(figure: GoalFigure | None) -> tuple[str, int, int] | None:
    return None if figure is None else (figure.currency, figure.target, figure.raised)


def _playbook_rebuild() -> None:
    """Readers' figure changed: the playbook, which carries it, is rebuilt (by campaigns)."""
    playbook_stale.send(sender=Goal)


def goal_refresh(*, now: datetime.datetime | None = None) -> GoalFigure | None:
    """Computes this month's figure and stores it; when what readers see changed, rebuilds
    the playbook after commit. Returns the stored figure (None: no goal is set).

    The goal row is locked while computing, so recomputes run one after another: a slower,
    older computation cannot overwrite a newer figure.
    """
    now = now or timezone.now()
    with transaction.atomic():
        goal = Goal.objects.select_for_update().filter(pk=SINGLE_ROW).first()
        previous = GoalFigure.objects.filter(pk=SINGLE_ROW).first()
        if goal is None:
            if previous is not None:
                previous.delete()
                transaction.on_commit(_playbook_rebuild)
            return None
        figure = goal_figure_current(goal=goal, now=now)
        assert figure is not None  # the goal exists
        stored, _created = GoalFigure.objects.update_or_create(
            pk=SINGLE_ROW,
            defaults={
                "currency": figure.currency,
                "target": figure.target,
                "raised": figure.raised,
                "recurring": figure.recurring,
                "one_off": figure.one_off,
                "bank_transfers": figure.bank_transfers,
                "by_currency": _by_currency_document(figure),
                "month": figure.month,
                "computed_at": now,
            },
        )
        # An unchanged figure leaves the playbook (and so every reader's cached copy) alone.
        if _public_part(previous) != _public_part(stored):
            transaction.on_commit(_playbook_rebuild)
    return stored


@transaction.atomic
def goal_set(*, monthly_cost: int, currency: str, rates: Mapping[str, Decimal]) -> Goal:
    """Sets the monthly running cost (minor units of `currency`) and replaces the exchange
    rates, then refreshes the figure."""
    goal, _created = Goal.objects.update_or_create(
        pk=SINGLE_ROW, defaults={"monthly_cost": monthly_cost, "currency": currency}
    )
    ExchangeRate.objects.filter(goal=goal).exclude(currency__in=list(rates)).delete()
    for code, rate in rates.items():
        ExchangeRate.objects.update_or_create(goal=goal, currency=code, defaults={"rate": rate})
    goal_refresh()
    return goal


@transaction.atomic
def goal_clear() -> None:
    """No goal any more: readers see no figure."""
    Goal.objects.filter(pk=SINGLE_ROW).delete()
    goal_refresh()


# The reference scenario: about $10,000 a month. Example rates, as an operator would set
# them by hand (readerfund never fetches rates).
DEMO_MONTHLY_COST = 1_000_000
DEMO_CURRENCY = "USD"
DEMO_RATES = {"EUR": Decimal("1.08"), "GBP": Decimal("1.27")}


def goal_demo_seed() -> None:
    """The demo's goal, on the first run; an operator's later change is kept."""
    if not Goal.objects.filter(pk=SINGLE_ROW).exists():
        goal_set(monthly_cost=DEMO_MONTHLY_COST, currency=DEMO_CURRENCY, rates=DEMO_RATES)
