"""Reads of the ledger that other apps share: which plans count toward the monthly goal,
and what they count; until when a supporter counts as one."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from readerfund.payments.models import (
    Contribution,
    ContributionStatus,
    Frequency,
    PlanStatus,
    RecurringPlan,
)

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


#: What one payment makes its giver a supporter for: a one-off gift a year of no asks; a
#: plan's payment its paid period plus a grace, so that a renewal a few days late (or a
#: provider retrying a card) does not bring the asks back. A plan that ends (canceled,
#: failed for good) makes no more payments: its giver stops counting when the last paid
#: period and its grace are over.
SUPPORTER_GRACE = datetime.timedelta(days=7)
SUPPORTER_PERIOD = {
    Frequency.ONE_OFF: datetime.timedelta(days=365),
    Frequency.MONTHLY: datetime.timedelta(days=31) + SUPPORTER_GRACE,
    Frequency.ANNUAL: datetime.timedelta(days=366) + SUPPORTER_GRACE,
}


def supporter_until(*, supporter_id: int) -> datetime.datetime | None:
    """Until when the ledger counts this person as a supporter (None: never did, or a
    refunded or disputed gift only). May lie in the past."""
    received = Contribution.objects.filter(
        supporter_id=supporter_id, status=ContributionStatus.SUCCEEDED, received_at__isnull=False
    ).values_list("frequency", "received_at")
    ends = [at + SUPPORTER_PERIOD[Frequency(frequency)] for frequency, at in received if at]
    return max(ends, default=None)


def gift_supporter_until(contribution: Contribution) -> datetime.datetime | None:
    """Until when the device that made this gift counts as a supporter's: the person's
    whole record, or for a gift given without a trace (no supporter) the gift alone."""
    if contribution.supporter_id is not None:
        return supporter_until(supporter_id=contribution.supporter_id)
    if contribution.status != ContributionStatus.SUCCEEDED or contribution.received_at is None:
        return None
    return contribution.received_at + SUPPORTER_PERIOD[Frequency(contribution.frequency)]
