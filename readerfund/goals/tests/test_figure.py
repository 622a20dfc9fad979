"""This month's figure from the real ledger tables: what counts, what does not, and when."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from readerfund.goals.models import GoalFigure
from readerfund.goals.selectors import goal_public
from readerfund.goals.services import goal_clear, goal_figure_current, goal_refresh, goal_set
from readerfund.goals.tests.ledger import gift_make, plan_make
from readerfund.payments.models import Contribution
from readerfund.payments.services import transfer_mark_received

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 20, 12, tzinfo=UTC)
RATES = {"EUR": Decimal("1.08")}


@pytest.fixture
def goal():
    return goal_set(monthly_cost=1_000_000, currency="USD", rates=RATES)


def raised(now=NOW) -> int:
    figure = goal_figure_current(now=now)
    assert figure is not None
    return figure.raised


def test_no_goal_set_means_no_figure():
    plan_make(5000)

    assert goal_figure_current(now=NOW) is None
    assert goal_refresh(now=NOW) is None
    assert goal_public(now=NOW) is None


def test_clearing_the_goal_removes_the_stored_figure(goal):
    plan_make(5000)
    goal_refresh(now=NOW)
    assert goal_public(now=NOW) is not None

    goal_clear()

    assert not GoalFigure.objects.exists()
    assert goal_public(now=NOW) is None


def test_active_and_past_due_plans_count_paused_canceled_and_incomplete_do_not(goal):
    plan_make(1000, status="active")
    plan_make(200, status="past_due")  # the provider is still retrying
    for status in ("paused", "canceled", "incomplete"):
        plan_make(10_000, status=status)

    assert raised() == 1200


def test_annual_plans_count_a_twelfth_and_their_payments_are_not_added(goal):
    plan = plan_make(6000, frequency="annual")
    monthly = plan_make(500)
    gift_make(6000, frequency="annual", plan=plan, received_at=NOW)  # the yearly payment
    gift_make(500, frequency="monthly", plan=monthly, received_at=NOW)

    assert raised() == 500 + 500


def test_this_months_one_off_gifts_count_minus_refunds(goal):
    gift_make(2500, received_at=NOW)
    gift_make(5000, received_at=NOW, refunded=2000)  # partly refunded: 30.00 still counts
    gift_make(4000, received_at=NOW, refunded=4000, status="refunded")  # fully refunded
    gift_make(9000, received_at=NOW, status="disputed")

    assert raised() == 2500 + 3000


def test_a_partial_then_full_refund_lowers_the_figure_step_by_step(goal):
    gift = gift_make(5000, received_at=NOW)
    assert raised() == 5000

    Contribution.objects.filter(pk=gift.pk).update(refunded_amount=1500)
    assert raised() == 3500

    Contribution.objects.filter(pk=gift.pk).update(refunded_amount=5000, status="refunded")
    assert raised() == 0


def test_on_the_first_day_of_a_month_last_months_gifts_drop_out_and_plans_stay(goal):
    plan_make(1000)
    gift_make(7000, received_at=datetime.datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC))
    gift_make(300, received_at=datetime.datetime(2026, 12, 1, 0, 0, 0, tzinfo=UTC))
    first_of_december = datetime.datetime(2026, 12, 1, 0, 0, 30, tzinfo=UTC)

    assert raised(datetime.datetime(2026, 11, 30, 23, 59, 59, 500_000, tzinfo=UTC)) == 8000
    assert raised(first_of_december) == 1300
    figure = goal_figure_current(now=first_of_december)
    assert figure is not None and figure.month == datetime.date(2026, 12, 1)


def test_the_month_is_utc_whatever_the_clock_of_the_caller(goal):
    gift_make(700, received_at=datetime.datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    moscow = datetime.timezone(datetime.timedelta(hours=3))

    # 1 December 02:00 in Moscow is still 30 November in UTC
    assert raised(datetime.datetime(2026, 12, 1, 2, 0, tzinfo=moscow)) == 700


def test_a_bank_transfer_counts_once_marked_received(goal):
    transfer = gift_make(10_000, provider="bank_transfer", status="pending")
    assert raised() == 0

    transfer_mark_received(contribution_id=transfer.pk)

    figure = goal_figure_current()  # marked now: counts this month
    assert figure is not None
    assert (figure.bank_transfers, figure.one_off, figure.raised) == (10_000, 0, 10_000)


def test_other_currencies_count_at_the_rate_and_without_a_rate_are_left_out(goal):
    plan_make(1000, currency="EUR")
    gift_make(500, currency="GBP", received_at=NOW)  # no GBP rate

    figure = goal_figure_current(now=NOW)

    assert figure is not None
    assert figure.raised == 1080
    assert figure.excluded == {"GBP": 500}


def test_a_goal_passed_has_no_gap_and_shows_above_one_hundred_percent(goal):
    plan_make(1_000_000)
    gift_make(250_000, received_at=NOW)

    goal_refresh(now=NOW)

    assert goal_public(now=NOW) == {
        "currency": "USD", "target": 1_000_000, "raised": 1_250_000, "gap": 0, "percent": 125,
    }  # fmt: skip


def test_readers_see_no_figure_while_nothing_is_raised_this_month(goal):
    goal_refresh(now=NOW)

    stored = GoalFigure.objects.get()
    assert (stored.raised, stored.target) == (0, 1_000_000)  # the admin still sees it
    assert goal_public(now=NOW) is None  # no "$0 of $10,000" in the banner


def test_last_months_figure_is_not_shown_as_this_months(goal):
    gift_make(500, currency="USD", received_at=NOW)
    goal_refresh(now=NOW)  # and then the worker did not run as December began

    assert goal_public(now=NOW) is not None
    assert goal_public(now=datetime.datetime(2026, 12, 1, 0, 5, tzinfo=UTC)) is None


def test_the_stored_figure_keeps_its_breakdown(goal):
    plan_make(1000, currency="EUR", frequency="annual")
    gift_make(500, currency="USD", received_at=NOW)
    gift_make(900, currency="GBP", received_at=NOW)

    stored = goal_refresh(now=NOW)

    assert stored is not None
    assert (stored.recurring, stored.one_off, stored.bank_transfers) == (89, 500, 0)
    assert stored.month == datetime.date(2026, 11, 1)
    assert stored.by_currency == [
        {
            "currency": "EUR",
            "recurring": 83,
            "one_off": 0,
            "bank_transfers": 0,
            "rate": "1.08000000",
        },
        {"currency": "GBP", "recurring": 0, "one_off": 900, "bank_transfers": 0, "rate": None},
        {"currency": "USD", "recurring": 0, "one_off": 500, "bank_transfers": 0, "rate": "1"},
    ]
