"""The daily results equal the event counters and the ledger, gift by gift."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from readerfund.campaigns.tests.factories import campaign_create
from readerfund.events.services import EventKey, events_record
from readerfund.experiments.models import DailyResult
from readerfund.experiments.services import results_refresh
from readerfund.goals.services import goal_set
from readerfund.goals.tests.ledger import gift_make, plan_make
from readerfund.payments.models import PaymentAttempt

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 10)
NOON = datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC)


def events(variant: str, type_: str, n: int, *, campaign: str = "ask") -> None:
    events_record(events=[EventKey(campaign, variant, "ask", type_)] * n, day=DAY)


def attributed(row, variant: str, campaign: str = "ask"):
    row.campaign, row.variant, row.channel = campaign, variant, "ask"
    row.save()
    return row


def result(variant: str) -> DailyResult:
    return DailyResult.objects.get(campaign="ask", variant=variant, day=DAY)


@pytest.fixture
def goal():
    return goal_set(monthly_cost=1_000_000, currency="USD", rates={"EUR": Decimal("1.10")})


def test_counts_and_money_per_variant_equal_the_ledger(goal):
    # given: an ask with two variants, its counters and its gifts of one day
    campaign_create(slug="ask", channel="ask", variants=("a", "b"))
    events("a", "impression", 1000)
    events("a", "click", 40)
    events("a", "dismiss", 7)
    events("b", "impression", 990)
    events("b", "snooze", 3)
    for _ in range(3):
        attempt = PaymentAttempt.objects.create(
            provider="sandbox", frequency="one_off", amount=500, currency="USD",
            email="r@example.org",
        )  # fmt: skip
        attempt.created_at = NOON
        attributed(attempt, "a")
    attributed(gift_make(2000, received_at=NOON), "a")  # $20
    attributed(gift_make(1000, currency="EUR", received_at=NOON, refunded=400), "a")  # €6 net
    plan = attributed(plan_make(500), "b")  # $5 a month
    plan.started_at = NOON
    plan.save()
    attributed(gift_make(500, frequency="monthly", plan=plan, received_at=NOON), "b")
    never_paid = attributed(plan_make(900, status="incomplete"), "b")
    never_paid.started_at = NOON
    never_paid.save()
    gift_make(7000, received_at=NOON)  # no campaign led to it

    # when
    results_refresh(since=DAY)

    # then
    a, b = result("a"), result("b")
    assert (a.impressions, a.clicks, a.dismissals, a.checkouts) == (1000, 40, 7, 3)
    assert (a.gifts, a.one_off, a.new_monthly) == (2, 2, 0)
    assert a.money == 2000 + 660  # €6 at 1.10
    assert a.value == 2000 + 660
    assert (b.impressions, b.snoozes, b.gifts, b.new_monthly) == (990, 3, 1, 1)
    assert b.money == 500
    assert b.value == 12 * 500  # a monthly plan is worth twelve payments a year
    assert b.value_squares == float(6000**2)
    assert DailyResult.objects.filter(campaign="").count() == 0


def test_one_large_gift_counts_at_most_the_cap_in_value_but_fully_in_money(goal, settings):
    # given
    settings.READERFUND_EXPERIMENT_VALUE_CAP = Decimal("250")
    campaign_create(slug="ask", channel="ask", variants=("a",))
    attributed(gift_make(1_000_000, received_at=NOON), "a")  # $10,000

    # when
    results_refresh(since=DAY)

    # then
    assert result("a").value == 25_000
    assert result("a").money == 1_000_000


def test_gifts_through_the_control_slices_links_count_for_the_control(goal):
    # given: the embed tagged the site's own give link for a device held out
    campaign_create(slug="ask", channel="ask", variants=("a",), control_share=10)
    events("_holdout", "impression", 100)
    attributed(gift_make(1500, received_at=NOON), "_holdout")

    # when
    results_refresh(since=DAY)

    # then
    control = result("_holdout")
    assert (control.impressions, control.gifts, control.money) == (100, 1, 1500)


def test_a_refund_after_the_refresh_shows_at_the_next_refresh(goal):
    # given
    campaign_create(slug="ask", channel="ask", variants=("a",))
    events("a", "impression", 10)
    gift = attributed(gift_make(3000, received_at=NOON), "a")
    results_refresh(since=DAY)
    assert result("a").money == 3000

    # when
    gift.status = "refunded"
    gift.refunded_amount = 3000
    gift.save()
    results_refresh(since=DAY)

    # then
    assert (result("a").money, result("a").gifts) == (0, 0)
