"""Reads of the ledger that other apps share: which plans count toward the monthly goal,
and what they count."""

from __future__ import annotations

from django.db.models import QuerySet

from readerfund.payments.models import Frequency, PlanStatus, RecurringPlan

#: `past_due` counts: the provider is still retrying the payment, and a plan whose retries
#: fail ends `canceled`, which drops it. `incomplete`, `paused` and `canceled` do not count.
COUNTED_PLAN_STATUSES = (PlanStatus.ACTIVE, PlanStatus.PAST_DUE)


def plans_counted(plans: QuerySet[RecurringPlan] | None = None) -> QuerySet[RecurringPlan]:
    """The plans (of `plans`, else all) that count toward the goal every month."""
    found = RecurringPlan.objects.all() if plans is None else plans
    return found.filter(
        status__in=COUNTED_PLAN_STATUSES, frequency__in=[Frequency.MONTHLY, Frequency.ANNUAL]
    )


def monthly_equivalent(*, amount: int, frequency: str) -> int:
    """What `amount` (minor units) given at `frequency` brings in a month: a monthly amount
    itself, an annual one a twelfth, rounded down to the minor unit — rounding down never
    shows money that is not there. For several annual plans of one currency pass their sum:
    one plan of $50 a year counts $4.16, twelve such plans count $50.00 (not 12 times $4.16)."""
    if frequency == Frequency.ANNUAL:
        return amount // 12
    return amount
