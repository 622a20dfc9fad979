"""The goal in the admin: set in major units with rates inline, the figure and its breakdown
on the page, a warning for money without a rate, recompute now, the breakdown as CSV."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from readerfund.goals.models import ExchangeRate, Goal, GoalFigure
from readerfund.goals.services import goal_refresh, goal_set
from readerfund.goals.tests.ledger import gift_make, plan_make

pytestmark = pytest.mark.django_db

CHANGE = "/admin/goals/goal/1/change/"


def _form(cost: str, currency: str = "USD", rates: tuple[tuple[str, str], ...] = ()):
    data = {
        "cost": cost, "currency": currency,
        "rates-TOTAL_FORMS": str(len(rates)), "rates-INITIAL_FORMS": "0",
        "rates-MIN_NUM_FORMS": "0", "rates-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    for index, (code, rate) in enumerate(rates):
        data[f"rates-{index}-currency"] = code
        data[f"rates-{index}-rate"] = rate
    return data


def test_the_operator_sets_ten_thousand_dollars_and_a_euro_rate(admin_client):
    plan_make(1000, currency="EUR")

    response = admin_client.post(
        "/admin/goals/goal/add/", _form("10000", rates=(("eur", "1.08"),)), follow=True
    )

    assert response.status_code == 200
    goal = Goal.objects.get()
    assert (goal.monthly_cost, goal.currency) == (1_000_000, "USD")
    assert ExchangeRate.objects.get().rate == Decimal("1.08")
    # saving computed the figure: EUR 10 a month at 1.08
    assert GoalFigure.objects.get().raised == 1080


def test_amounts_finer_than_the_currency_are_refused(admin_client):
    response = admin_client.post("/admin/goals/goal/add/", _form("10000.001"))

    assert response.status_code == 200
    assert "at most the currency" in response.content.decode()
    assert not Goal.objects.exists()


def test_unknown_currencies_are_refused(admin_client):
    response = admin_client.post("/admin/goals/goal/add/", _form("100", currency="XYZ"))

    assert "not an ISO 4217 currency code" in response.content.decode()
    assert not Goal.objects.exists()


def test_one_goal_only(admin_client):
    goal_set(monthly_cost=1_000_000, currency="USD", rates={})

    assert admin_client.get("/admin/goals/goal/add/").status_code == 403


def test_the_goal_page_shows_the_figure_its_breakdown_and_a_warning(admin_client):
    goal_set(monthly_cost=1_000_000, currency="USD", rates={})
    plan_make(500_000)
    gift_make(100_000)
    gift_make(24_000, provider="bank_transfer")
    gift_make(5_000, currency="GBP")  # no GBP rate
    goal_refresh()

    page = admin_client.get(CHANGE).content.decode()

    assert "$6,240 of $10,000 (62 %); the gap is $3,760." in page
    assert "Recurring plans (monthly equivalent)</th><td>$5,000" in page
    assert "One-off gifts</th><td>$1,000" in page
    assert "Bank transfers received</th><td>$240" in page
    assert "Left out (no exchange rate)</th><td>£50" in page
    assert "Money in GBP is left out of the figure: it has no exchange rate." in page


def test_recompute_now(admin_client):
    goal_set(monthly_cost=1_000_000, currency="USD", rates={})
    gift_make(2_500)  # recorded after the last computation

    response = admin_client.post(
        "/admin/goals/goal/",
        {"action": "recompute_now", "_selected_action": ["1"]},
        follow=True,
    )

    assert "Recomputed: $25 of $10,000." in response.content.decode()
    assert GoalFigure.objects.get().raised == 2_500


def test_the_breakdown_by_currency_as_csv(admin_client):
    goal_set(monthly_cost=1_000_000, currency="USD", rates={"EUR": Decimal("1.08")})
    plan_make(1_000, currency="EUR")
    gift_make(700, currency="GBP")
    goal_refresh()

    response = admin_client.get("/admin/goals/goal/1/breakdown.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert response["Content-Type"].startswith("text/csv")
    assert rows[0] == ["currency", "part", "amount_minor", "rate", "counted_minor_USD"]
    assert ["EUR", "recurring", "1000", "1.08000000", "1080"] in rows
    assert ["GBP", "one_off", "700", "", ""] in rows  # left out: no rate


def test_deleting_the_goal_removes_the_figure(admin_client):
    goal_set(monthly_cost=1_000_000, currency="USD", rates={})

    admin_client.post("/admin/goals/goal/1/delete/", {"post": "yes"})

    assert not Goal.objects.exists()
    assert not GoalFigure.objects.exists()


def test_the_goal_page_speaks_russian(admin_client):
    # passes once the coordinator merges the Russian catalogue (/tmp/rf/po/goals.po)
    goal_set(monthly_cost=1_000_000, currency="USD", rates={})
    plan_make(500_000)
    goal_refresh()

    page = admin_client.get(CHANGE, headers={"Accept-Language": "ru"}).content.decode()

    assert "Регулярные пожертвования (в пересчёте на месяц)" in page
    assert "из 10\xa0000\xa0$ (50 %); не хватает 5\xa0000\xa0$." in page
