"""The funding goal's recompute on PostgreSQL with 100,000 recurring plans and their payment
history plus a year of one-off gifts, beside a plain `COUNT(*)` over the plans table (the
baseline) and beside serving the stored figure.

Runs in a child process (Django configured for a dedicated database,
`readerfund_bench_goal`, created and dropped here so that it never meets the test suite's).
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable
from typing import Any

from bench.common import child_on_bench_postgres, median, report

DATABASE = "readerfund_bench_goal"
PLANS = 100_000
PAYMENTS_PER_PLAN = 6  # half a year of history in the contributions table
ONE_OFFS = 60_000  # a year of one-off gifts, about 5,000 of them this month
BURST = 1_000  # gifts recorded one after another, each in its own transaction
RUNS = 9
BATCH = 5_000


def run() -> None:
    """Creates the database, runs the measurements in a child process, drops it."""
    child_on_bench_postgres("goal", "bench.goal", DATABASE)


# ---- inside the child process -------------------------------------------------------------


def _timed(call: Callable[[], Any], runs: int = RUNS) -> float:
    """Median wall time of `runs` calls, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return median(times)


def _seed(now: datetime.datetime) -> None:
    """100,000 plans (most active, some past due, paused, canceled, incomplete; monthly and
    annual; USD, EUR, GBP), their payments, and a year of one-off gifts with refunds,
    disputes and bank transfers, as the ledger would hold them."""
    from readerfund.payments.models import Contribution, RecurringPlan
    from readerfund.supporters.models import Supporter

    rng = random.Random(5)
    statuses = ["active"] * 80 + ["past_due"] * 5 + ["paused"] * 3 + ["canceled"] * 10
    statuses += ["incomplete"] * 2
    currencies = ["USD"] * 7 + ["EUR"] * 2 + ["GBP"]

    for first in range(0, PLANS, BATCH):
        numbers = range(first, min(first + BATCH, PLANS))
        supporters = Supporter.objects.bulk_create(
            Supporter(email=f"plan{n}@bench.example") for n in numbers
        )
        plans = []
        for n, supporter in zip(numbers, supporters, strict=True):
            annual = rng.random() < 0.15
            plans.append(
                RecurringPlan(
                    supporter=supporter,
                    provider="stripe",
                    provider_plan_id=f"sub_{n}",
                    frequency="annual" if annual else "monthly",
                    amount=rng.choice([2400, 6000, 12000] if annual else [200, 500, 1000, 2000]),
                    currency=rng.choice(currencies),
                    status=rng.choice(statuses),
                )
            )
        RecurringPlan.objects.bulk_create(plans)
        Contribution.objects.bulk_create(
            Contribution(
                supporter_id=plan.supporter_id,
                plan=plan,
                provider="stripe",
                provider_payment_id=f"pi_{plan.provider_plan_id}_{k}",
                frequency=plan.frequency,
                amount=plan.amount,
                currency=plan.currency,
                received_at=now - datetime.timedelta(days=30 * k + rng.randrange(30)),
            )
            for plan in plans
            for k in range(PAYMENTS_PER_PLAN)
        )

    for first in range(0, ONE_OFFS, BATCH):
        numbers = range(first, min(first + BATCH, ONE_OFFS))
        supporters = Supporter.objects.bulk_create(
            Supporter(email=f"gift{n}@bench.example") for n in numbers
        )
        gifts = []
        for n, supporter in zip(numbers, supporters, strict=True):
            amount = rng.choice([500, 1000, 2500, 5000, 10000])
            roll = rng.random()
            status, refunded = "succeeded", 0
            if roll < 0.01:
                status, refunded = "refunded", amount
            elif roll < 0.015:
                status = "disputed"
            elif roll < 0.045:
                refunded = amount // 2
            bank = rng.random() < 0.05
            if bank and rng.random() < 0.2:
                status = "pending"
            gifts.append(
                Contribution(
                    supporter=supporter,
                    provider="bank_transfer" if bank else "stripe",
                    provider_payment_id=f"gift_{n}",
                    frequency="one_off",
                    amount=amount,
                    refunded_amount=refunded,
                    currency=rng.choice(currencies),
                    status=status,
                    received_at=None
                    if status == "pending"
                    else now - datetime.timedelta(minutes=rng.randrange(365 * 24 * 60)),
                )
            )
        Contribution.objects.bulk_create(gifts)


def _inside() -> None:
    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from readerfund.goals.services import goal_figure_current, goal_refresh, goal_set
    from readerfund.goals.tasks import goal_recompute
    from readerfund.goals.tests.ledger import gift_make
    from readerfund.payments.models import Contribution, RecurringPlan

    call_command("migrate", verbosity=0)
    now = timezone.now()
    started = time.perf_counter()
    _seed(now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"seeded {RecurringPlan.objects.count():,} plans and "
        f"{Contribution.objects.count():,} contributions "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    goal_set(
        monthly_cost=1_000_000_000,
        currency="USD",
        rates={"EUR": Decimal("1.08"), "GBP": Decimal("1.27")},
    )

    def count_plans() -> None:
        RecurringPlan.objects.count()  # SELECT COUNT(*) over the plans table

    def compute() -> None:
        goal_figure_current()

    def refresh() -> None:
        goal_refresh()

    client = Client(HTTP_HOST="localhost")

    def serve() -> None:
        response = client.get("/api/goal.json", secure=True)
        assert response.status_code == 200, response.status_code

    count_plans()
    compute()  # warm the caches alike
    serve()
    # Alternating rounds, so that the shared box's drift hits every figure alike.
    rounds: dict[str, list[float]] = {"count": [], "compute": [], "refresh": [], "serve": []}
    for _ in range(RUNS):
        rounds["count"].append(_timed(count_plans, runs=1))
        rounds["compute"].append(_timed(compute, runs=1))
        rounds["refresh"].append(_timed(refresh, runs=1))
        rounds["serve"].append(_timed(serve, runs=100))
    baseline, computing, refreshing, serving = (median(rounds[k]) for k in rounds)
    with CaptureQueriesContext(connection) as queries:
        figure = goal_refresh()
    assert figure is not None
    with CaptureQueriesContext(connection) as serve_queries:
        serve()

    plans_counted = f"COUNT(*) over {PLANS:,} plans"
    report("[postgres] goal recompute: compute only", computing, "ms", plans_counted, baseline)
    report("[postgres] goal recompute: compute + store", refreshing, "ms", plans_counted, baseline)
    report(
        "[postgres] goal recompute vs serving it",
        refreshing,
        "ms",
        f"GET /api/goal.json ({len(serve_queries)} queries)",
        serving,
    )
    print(
        f"[postgres] one recompute: {len(queries)} queries; raised "
        f"{figure.raised / 100:,.2f} {figure.currency} (recurring {figure.recurring / 100:,.2f}, "
        f"one-off {figure.one_off / 100:,.2f}, bank transfers {figure.bank_transfers / 100:,.2f})",
        flush=True,
    )

    # Debounce: a burst of gifts, each committed on its own, queues how many recomputes?
    DBTaskResult.objects.filter(task_path=goal_recompute.module_path).delete()
    started = time.perf_counter()
    for _ in range(BURST):
        gift_make(1000)
    burst = (time.perf_counter() - started) * 1000 / BURST
    queued = DBTaskResult.objects.filter(
        task_path=goal_recompute.module_path, status=TaskResultStatus.READY
    ).count()
    print(
        f"[postgres] burst of {BURST:,} gifts, one transaction each: {queued} recompute queued "
        f"({burst:.2f} ms per gift, signal and debounce check included)",
        flush=True,
    )

    # What the contributions' index on (frequency, received_at) (payments' migration 0003)
    # is worth: this month's one-offs found without scanning every payment. Measured in
    # alternating rounds, the planner allowed or not to use indexes.
    with_index: list[float] = []
    without_index: list[float] = []
    for _ in range(RUNS):
        for switch, times in (("on", with_index), ("off", without_index)):
            with connection.cursor() as cursor:
                cursor.execute(f"SET enable_indexscan = {switch}")
                cursor.execute(f"SET enable_bitmapscan = {switch}")
            times.append(_timed(compute, runs=1))
    report(
        "[postgres] compute, index on (frequency, received_at)",
        median(with_index),
        "ms",
        "the same without the index",
        median(without_index),
    )


if __name__ == "__main__":
    _inside()
