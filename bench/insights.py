"""The editors' pages and the weights update on PostgreSQL with a year of figures: 20 optimised
campaigns of 10 variants (200 variants, plus each campaign's control slice) with a year of
daily results and hourly weight updates, and 1,000,000 contributions (250,000 supporters,
50,000 plans). Each figure is printed beside a `COUNT(*)` over the contributions measured in
alternating rounds of the same run.

Runs in a child process (Django configured for a dedicated database,
`readerfund_bench_insights`, created and dropped here so that it never meets the test suite's).
"""

from __future__ import annotations

import datetime
import io
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from bench.common import child_on_bench_postgres, median, report

DATABASE = "readerfund_bench_insights"
CAMPAIGNS = 20
VARIANTS = 10  # per campaign: 200 in all
DAYS = 365
CONTRIBUTIONS = 1_000_000
SUPPORTERS = 250_000
PLANS = 50_000
CHUNK = 100_000  # rows per COPY
RUNS = 9
TARGETS_MS = {"campaign": 500.0, "overview": 1000.0, "weights": 2000.0}


def run() -> None:
    """Creates the database, runs the measurements in a child process, drops it."""
    child_on_bench_postgres("insights", "bench.insights", DATABASE)


# ---- inside the child process -------------------------------------------------------------


def _copy(model: Any, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """COPY rows into the model's table, CHUNK at a time; None is NULL. Returns the count."""
    from django.db import connection

    table = model._meta.db_table
    names = ", ".join(model._meta.get_field(c).column for c in columns)
    written = 0
    buffer = io.StringIO()

    def flush() -> None:
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            copy.write(buffer.getvalue())
        buffer.seek(0)
        buffer.truncate()

    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row))
        buffer.write("\n")
        written += 1
        if written % CHUNK == 0:
            flush()
    flush()
    return written


def _slugs() -> list[str]:
    return [f"ask-{c:02d}" for c in range(CAMPAIGNS)]


def _seed(now: datetime.datetime) -> None:
    """The campaigns and their year; the ledger's supporters, plans and contributions."""
    from readerfund.campaigns.tests.factories import campaign_create
    from readerfund.experiments.analysis import HOLDOUT
    from readerfund.experiments.models import DailyResult, WeightUpdate
    from readerfund.payments.models import Contribution, RecurringPlan
    from readerfund.supporters.models import Supporter

    rng = random.Random(11)
    keys = [f"v{k}" for k in range(VARIANTS)]
    today = now.date()
    results: list[DailyResult] = []
    for number, slug in enumerate(_slugs()):
        campaign_create(
            slug=slug, channel="ask", variants=tuple(keys), control_share=5, optimise=True
        )
        for back in range(DAYS):
            day = today - datetime.timedelta(days=back)
            for key in [*keys, HOLDOUT]:
                views = rng.randrange(200, 2_000) if key != HOLDOUT else rng.randrange(20, 100)
                gifts = sum(rng.random() < 0.002 * (1 + number % 3) for _ in range(views // 20))
                value = gifts * rng.randrange(1_000, 9_000)
                results.append(
                    DailyResult(
                        day=day, campaign=slug, variant=key, channel="ask", currency="USD",
                        impressions=views, clicks=views // 30, dismissals=views // 80,
                        snoozes=views // 300, checkouts=gifts * 2, gifts=gifts,
                        one_off=gifts // 2, new_monthly=gifts - gifts // 2, money=value // 4,
                        value=value, value_squares=float(value) ** 2 / max(gifts, 1),
                    )
                )  # fmt: skip
        DailyResult.objects.bulk_create(results, batch_size=10_000)
        results.clear()
        WeightUpdate.objects.bulk_create(
            (
                WeightUpdate(
                    campaign=slug,
                    computed_at=now - datetime.timedelta(hours=hour),
                    weights={key: round(1 / VARIANTS, 4) for key in keys},
                )
                for hour in range(1, DAYS * 24, 1)
            ),
            batch_size=10_000,
        )

    stamp = now.isoformat()
    _copy(
        Supporter,
        ["email", "name", "email_consent", "language", "created_at"],
        ((f"s{n}@bench.example", "", "f", "en", stamp) for n in range(SUPPORTERS)),
    )
    first_supporter = Supporter.objects.order_by("pk").values_list("pk", flat=True)[0]
    plan_columns = ["supporter", "provider", "provider_plan_id", "frequency", "amount"]
    plan_columns += ["currency", "status", "started_at", "cancel_reason", "cancel_note"]
    plan_columns += ["campaign", "variant", "channel"]
    statuses = ["active"] * 85 + ["canceled"] * 10 + ["past_due"] * 5
    _copy(
        RecurringPlan,
        plan_columns,
        (
            (
                first_supporter + n, "stripe", f"sub_{n}", "monthly",
                rng.choice([200, 500, 1000]), "USD", rng.choice(statuses),
                (now - datetime.timedelta(days=rng.randrange(DAYS))).isoformat(), "", "",
                rng.choice(_slugs()), rng.choice(keys), "ask",
            )
            for n in range(PLANS)
        ),
    )  # fmt: skip
    first_plan = RecurringPlan.objects.order_by("pk").values_list("pk", flat=True)[0]
    slugs = _slugs()
    columns = ["supporter", "plan", "provider", "provider_payment_id", "frequency", "amount"]
    columns += ["refunded_amount", "currency", "status", "anonymous", "campaign", "variant"]
    columns += ["channel", "received_at", "created_at"]

    def contributions() -> Iterator[tuple[object, ...]]:
        minutes = DAYS * 24 * 60
        for n in range(CONTRIBUTIONS):
            received = (now - datetime.timedelta(minutes=rng.randrange(minutes))).isoformat()
            attributed = rng.random() < 0.7
            if rng.random() < 0.3:  # a plan's payment
                plan = rng.randrange(PLANS)
                supporter, plan_id, frequency, amount = (
                    first_supporter + plan,
                    first_plan + plan,
                    "monthly",
                    500,
                )
            else:
                supporter, plan_id, frequency = (
                    first_supporter + rng.randrange(SUPPORTERS),
                    None,
                    "one_off",
                )
                amount = rng.choice([500, 1000, 2500, 5000])
            yield (
                supporter, plan_id, "stripe", f"pi_{n}", frequency, amount, 0, "USD",
                "succeeded", "f", rng.choice(slugs) if attributed else "",
                rng.choice(keys) if attributed else "", "ask" if attributed else "",
                received, received,
            )  # fmt: skip

    _copy(Contribution, columns, contributions())


def _timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def _inside() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from readerfund.experiments.models import DailyResult, WeightUpdate
    from readerfund.experiments.services import weights_update_due
    from readerfund.goals.services import goal_set
    from readerfund.payments.models import Contribution

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # the admin's manifest
    now = timezone.now()
    started = time.perf_counter()
    _seed(now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"seeded {DailyResult.objects.count():,} daily results, "
        f"{WeightUpdate.objects.count():,} weight updates and "
        f"{Contribution.objects.count():,} contributions "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    goal_set(monthly_cost=10_000_000, currency="USD", rates={})
    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.create_user("editor", is_staff=True))
    campaign_url = f"/admin/insights/{_slugs()[0]}/"

    def count() -> None:
        Contribution.objects.count()  # SELECT COUNT(*) over the contributions

    def page(url: str) -> Callable[[], None]:
        def get() -> None:
            response = client.get(url, secure=True)
            assert response.status_code == 200, response.status_code

        return get

    moment = [now]

    def weights() -> None:
        moment[0] += datetime.timedelta(hours=1)  # every campaign is due again
        updates = weights_update_due(now=moment[0])
        assert sum(len(u.weights) for u in updates) == CAMPAIGNS * VARIANTS, len(updates)

    calls = {
        "campaign": page(campaign_url),
        "overview": page("/admin/insights/"),
        "weights": weights,
    }
    for call in (count, *calls.values()):
        call()  # warm the caches alike
    # Alternating rounds, so that the shared box's drift hits every figure alike.
    rounds: dict[str, list[float]] = {"count": [], **{name: [] for name in calls}}
    for _ in range(RUNS):
        rounds["count"].append(_timed(count))
        for name, call in calls.items():
            rounds[name].append(_timed(call))
    baseline = median(rounds["count"])
    queries = {}
    for name, call in calls.items():
        with CaptureQueriesContext(connection) as captured:
            call()
        queries[name] = len(captured)
    counted = f"COUNT(*) over {CONTRIBUTIONS:,} contributions"
    labels = {
        "campaign": f"campaign page, {VARIANTS} variants + control, a year",
        "overview": "the month's overview",
        "weights": f"weights update, {CAMPAIGNS * VARIANTS} variants",
    }
    for name, label in labels.items():
        figure = median(rounds[name])
        report(f"[postgres] {label}", figure, "ms", counted, baseline)
        verdict = "met" if figure <= TARGETS_MS[name] else "NOT met"
        print(
            f"    {queries[name]} queries; target ≤ {TARGETS_MS[name]:.0f} ms: {verdict}",
            flush=True,
        )


if __name__ == "__main__":
    _inside()
