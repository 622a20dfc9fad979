"""What counts toward the goal: one definition for the goal figure and the admin."""

from __future__ import annotations

import pytest

from readerfund.payments.models import PlanStatus, RecurringPlan
from readerfund.payments.selectors import monthly_equivalent, plans_counted
from readerfund.supporters.models import Supporter


def test_a_monthly_amount_counts_itself_and_an_annual_one_a_twelfth_rounded_down():
    assert monthly_equivalent(amount=500, frequency="monthly") == 500
    assert monthly_equivalent(amount=5000, frequency="annual") == 416
    assert monthly_equivalent(amount=12 * 5000, frequency="annual") == 5000


@pytest.mark.django_db
def test_active_and_past_due_plans_count_and_no_other():
    supporter = Supporter.objects.create(email="reader@example.org")
    for number, status in enumerate(PlanStatus.values):
        RecurringPlan.objects.create(
            supporter=supporter, provider="sandbox", provider_plan_id=f"plan_{number}",
            frequency="monthly", amount=500, currency="USD", status=status,
        )  # fmt: skip

    counted = plans_counted(supporter.plans.all())

    assert sorted(counted.values_list("status", flat=True)) == ["active", "past_due"]
    assert plans_counted().count() == 2
