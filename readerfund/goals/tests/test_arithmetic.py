"""The goal's arithmetic, without a database: properties over generated ledgers, then the
worked examples of docs/goal.md."""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from readerfund.goals.services import (
    GiftTotal,
    PlanTotal,
    amount_convert,
    figure_compute,
    goal_gap,
    goal_percent,
)
from readerfund.payments.selectors import monthly_equivalent

BASE = "USD"
MONTH = datetime.date(2026, 11, 1)
# USD is the base; EUR and GBP have rates; JPY (no decimals) and KWD (three) test the
# scaling; CHF never has a rate: its money is left out.
RATES = {
    "EUR": Decimal("1.08"),
    "GBP": Decimal("1.27"),
    "JPY": Decimal("0.0067"),
    "KWD": Decimal("3.25"),
}
CURRENCIES = ["USD", *RATES, "CHF"]

amounts = st.integers(min_value=0, max_value=10**9)
currencies = st.sampled_from(CURRENCIES)
plans = st.builds(PlanTotal, currencies, st.sampled_from(["monthly", "annual"]), amounts)
gifts = st.builds(GiftTotal, currencies, st.booleans(), amounts)
targets = st.integers(min_value=1, max_value=10**12)
rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(1000), places=4)


def compute(plan_list=(), gift_list=(), *, target=1_000_000, rates=RATES):
    return figure_compute(
        target=target, currency=BASE, rates=rates, plans=plan_list, gifts=gift_list, month=MONTH
    )


def _aggregated(plan_list):
    """What the database's GROUP BY hands over: one row per (currency, frequency)."""
    sums: dict[tuple[str, str], int] = {}
    for plan in plan_list:
        key = (plan.currency, plan.frequency)
        sums[key] = sums.get(key, 0) + plan.amount
    return [
        PlanTotal(currency, frequency, amount) for (currency, frequency), amount in sums.items()
    ]


# ---- properties ---------------------------------------------------------------------------


@given(st.lists(plans), st.lists(gifts), targets)
def test_raised_is_the_sum_of_its_parts(plan_list, gift_list, target):
    figure = compute(plan_list, gift_list, target=target)

    assert figure.raised == figure.recurring + figure.one_off + figure.bank_transfers
    by_part = 0
    for row in figure.by_currency:
        if row.rate is not None:
            for native in (row.recurring, row.one_off, row.bank_transfers):
                by_part += amount_convert(native, currency=row.currency, base=BASE, rate=row.rate)
    assert figure.raised == by_part


@given(st.lists(plans), st.lists(gifts))
def test_one_row_per_plan_or_per_group_gives_the_same_figure(plan_list, gift_list):
    # the database sums per (currency, frequency) before the arithmetic sees the plans
    assert compute(plan_list, gift_list) == compute(_aggregated(plan_list), gift_list)
    assert compute(list(reversed(plan_list)), list(reversed(gift_list))) == compute(
        plan_list, gift_list
    )


@given(st.lists(plans), st.lists(gifts), plans)
def test_adding_an_active_plan_never_lowers_raised(plan_list, gift_list, new_plan):
    before = compute(plan_list, gift_list)
    after = compute([*plan_list, new_plan], gift_list)

    assert after.raised >= before.raised
    assert after.gap <= before.gap
    assert after.percent >= before.percent


@given(st.integers(min_value=0, max_value=10**13), targets)
def test_gap_and_percent(raised, target):
    gap = goal_gap(raised=raised, target=target)
    percent = goal_percent(raised=raised, target=target)

    assert gap >= 0
    assert gap + min(raised, target) == target
    # whole percent, rounded down: 100 exactly when the goal is reached, more above it
    assert percent * target <= raised * 100 < (percent + 1) * target
    assert (percent >= 100) == (raised >= target) == (gap == 0)


@given(st.lists(gifts), currencies, amounts, st.data())
def test_a_refund_lowers_raised_by_the_refunded_amount_converted(gift_list, currency, paid, data):
    # given a one-off gift among others, and a refund of part or all of it
    refunded = data.draw(st.integers(min_value=0, max_value=paid))
    gift = GiftTotal(currency, False, paid)
    refunded_gift = GiftTotal(currency, False, paid - refunded)

    before = compute([], [*gift_list, gift])
    after = compute([], [*gift_list, refunded_gift])

    # then raised drops by the difference of the currency's converted one-off totals ...
    one_off_before = sum(
        g.amount for g in [*gift_list, gift] if g.currency == currency and not g.bank_transfer
    )
    rate = Decimal(1) if currency == BASE else RATES.get(currency)
    drop = before.raised - after.raised
    if rate is None:
        assert drop == 0  # money without a rate never counted
        return
    convert = lambda amount: amount_convert(amount, currency=currency, base=BASE, rate=rate)  # noqa: E731
    assert drop == convert(one_off_before) - convert(one_off_before - refunded)
    # ... which is the refund itself in the base currency, and within a cent of it otherwise
    if currency == BASE:
        assert drop == refunded
    else:
        exact = refunded * rate * Decimal(10) ** (2 - {"JPY": 0, "KWD": 3}.get(currency, 2))
        assert abs(drop - exact) < 1


@given(st.lists(st.integers(min_value=0, max_value=10**9)), st.integers(0, 10**9))
def test_annual_plans_count_a_twelfth_of_their_sum_rounded_down(annual_amounts, monthly):
    plan_list = [PlanTotal(BASE, "annual", a) for a in annual_amounts]
    plan_list.append(PlanTotal(BASE, "monthly", monthly))

    figure = compute(plan_list)

    assert figure.recurring == monthly + sum(annual_amounts) // 12
    # twelve times a monthly amount, paid yearly, counts exactly that monthly amount
    assert compute([PlanTotal(BASE, "annual", 12 * monthly)]).recurring == monthly


@given(st.lists(plans), st.lists(gifts), amounts)
def test_money_in_a_currency_without_a_rate_is_left_out_and_reported(plan_list, gift_list, amount):
    before = compute(plan_list, gift_list)
    after = compute(plan_list, [*gift_list, GiftTotal("CHF", False, amount)])

    assert after.raised == before.raised
    if amount:
        assert after.excluded["CHF"] >= amount


@settings(max_examples=300)
@given(amounts, amounts, rates, st.sampled_from(["EUR", "JPY", "KWD"]))
def test_conversion_rounds_down_and_never_decreases(a, b, rate, currency):
    low, high = sorted((a, b))
    assert amount_convert(low, currency=currency, base=BASE, rate=rate) <= amount_convert(
        high, currency=currency, base=BASE, rate=rate
    )
    # never more than the exact value, never a whole minor unit less
    shift = 2 - {"JPY": 0, "KWD": 3}.get(currency, 2)
    exact = high * rate * Decimal(10) ** shift
    converted = amount_convert(high, currency=currency, base=BASE, rate=rate)
    assert converted <= exact < converted + 1


# ---- worked examples ----------------------------------------------------------------------


def test_a_year_of_fifty_dollars_counts_four_sixteen_and_twelve_count_fifty():
    assert monthly_equivalent(amount=5000, frequency="annual") == 416
    assert monthly_equivalent(amount=12 * 5000, frequency="annual") == 5000
    assert compute([PlanTotal(BASE, "annual", 5000)] * 12).recurring == 5000


def test_other_currencies_count_at_the_operators_rate():
    assert amount_convert(1000, currency="EUR", base="USD", rate=Decimal("1.08")) == 1080
    assert amount_convert(1000, currency="JPY", base="USD", rate=Decimal("0.0067")) == 670
    assert amount_convert(1000, currency="KWD", base="USD", rate=Decimal("3.25")) == 325
    assert amount_convert(999, currency="GBP", base="USD", rate=Decimal("1.27")) == 1268  # 1268.73
    assert amount_convert(1000, currency="USD", base="USD", rate=Decimal("5")) == 1000


def test_a_month_above_its_goal_has_no_gap_and_passes_one_hundred_percent():
    figure = compute([PlanTotal(BASE, "monthly", 1_200_000)], target=1_000_000)

    assert (figure.raised, figure.gap, figure.percent) == (1_200_000, 0, 120)


def test_the_breakdown_separates_recurring_one_off_and_bank_transfers():
    figure = compute(
        [PlanTotal("USD", "monthly", 10_000), PlanTotal("EUR", "annual", 12_000)],
        [
            GiftTotal("USD", False, 2_500),
            GiftTotal("EUR", True, 5_000),
            GiftTotal("CHF", False, 700),
        ],
    )

    assert figure.recurring == 10_000 + 1_080  # EUR 10.00 a month at 1.08
    assert figure.one_off == 2_500
    assert figure.bank_transfers == 5_400
    assert figure.raised == 18_980
    assert figure.excluded == {"CHF": 700}
    assert figure.percent == 1  # 1.898 %, rounded down
