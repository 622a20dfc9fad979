"""Ledger rows for the goal tests, written through the ORM as the payment services write
them (the services' own paths are exercised in the pipeline and browser tests)."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from readerfund.payments.models import Contribution, RecurringPlan
from readerfund.supporters.models import Supporter

_ids = itertools.count(1)


def _supporter() -> Supporter:
    return Supporter.objects.create(email=f"reader{next(_ids)}@example.org")


def plan_make(
    amount: int, *, currency: str = "USD", frequency: str = "monthly", status: str = "active"
) -> RecurringPlan:
    return RecurringPlan.objects.create(
        supporter=_supporter(), provider="sandbox", provider_plan_id=f"plan_{next(_ids)}",
        frequency=frequency, amount=amount, currency=currency, status=status,
    )  # fmt: skip


def gift_make(
    amount: int,
    *,
    currency: str = "USD",
    received_at: datetime.datetime | None = None,
    provider: str = "sandbox",
    status: str = "succeeded",
    refunded: int = 0,
    frequency: str = "one_off",
    plan: RecurringPlan | None = None,
) -> Contribution:
    pending = status == "pending"
    return Contribution.objects.create(
        supporter=plan.supporter if plan else _supporter(), plan=plan, provider=provider,
        provider_payment_id=f"pay_{next(_ids)}", frequency=frequency, amount=amount,
        refunded_amount=refunded, currency=currency, status=status,
        received_at=None if pending else (received_at or timezone.now()),
    )  # fmt: skip
