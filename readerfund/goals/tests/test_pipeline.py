"""From a ledger change to what readers are served: a debounced recompute queued after
commit, run by the worker, stored, and carried by the rebuilt playbook."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from readerfund.campaigns.models import PlaybookBuild
from readerfund.goals.models import GoalFigure
from readerfund.goals.services import goal_refresh, goal_set
from readerfund.goals.tasks import (
    RECOMPUTE_DELAY,
    RECOMPUTE_EVERY,
    goal_recompute,
    goal_recompute_periodically,
    next_check_in,
)
from readerfund.goals.tests.ledger import gift_make, plan_make
from readerfund.payments.models import Contribution
from readerfund.payments.providers.base import PaymentRefunded
from readerfund.payments.services import facts_apply

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit and the worker as in production


@pytest.fixture
def goal():
    return goal_set(monthly_cost=1_000_000, currency="USD", rates={"EUR": Decimal("1.08")})


def _waiting(task=goal_recompute):
    return DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY)


def _the_delay_passes() -> None:
    """What the clock does for a queued recompute: its `run_after` arrives."""
    _waiting().update(run_after=timezone.now())


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)


def _served_goal(client: Client):
    return client.get("/api/playbook.json").json()["goal"]


def _give_through_the_sandbox(client: Client, *, amount: str, frequency: str = "one_off") -> None:
    """The checkout's own pages, as a reader's browser posts them."""
    client.get("/give/")
    started = client.post(
        "/give/start",
        {"frequency": frequency, "currency": "USD", "amount": amount, "method": "sandbox",
         "email": "reader@example.org"},
        headers={"Accept": "application/json"},
    )  # fmt: skip
    assert started.status_code == 200, started.content
    paid = client.post(started.json()["next"], {"outcome": "pay"})
    assert paid.status_code == 302


def test_a_burst_of_gifts_queues_one_delayed_recompute(goal):
    # when twenty-five one-off gifts are recorded, each in its own transaction
    before = timezone.now()
    for _ in range(25):
        gift_make(500)

    # then one recompute waits, RECOMPUTE_DELAY after the first
    (waiting,) = _waiting()
    assert waiting.run_after >= before + RECOMPUTE_DELAY - datetime.timedelta(seconds=1)
    assert waiting.run_after <= timezone.now() + RECOMPUTE_DELAY


def test_nothing_is_queued_before_the_ledger_change_commits(goal):
    with transaction.atomic():
        gift_make(500)
        assert not _waiting().exists()
    assert _waiting().count() == 1


def test_a_plan_change_queues_a_recompute_and_a_plans_single_payment_does_not(goal):
    plan = plan_make(1000)
    assert _waiting().count() == 1
    _waiting().delete()

    gift_make(1000, frequency="monthly", plan=plan)  # counted through the plan already
    assert not _waiting().exists()

    plan.status = "canceled"
    plan.save(update_fields=["status"])
    assert _waiting().count() == 1


def test_a_sandbox_gift_reaches_the_playbook_once_the_worker_recomputes(goal, client):
    # given a month with one $1,000 monthly plan, as readers are served it
    plan_make(100_000)
    goal_refresh()
    assert _served_goal(client) == {
        "currency": "USD", "target": 1_000_000, "raised": 100_000, "gap": 900_000, "percent": 10,
    }  # fmt: skip

    # when a reader gives $500 once through the checkout
    _give_through_the_sandbox(client, amount="500")

    # then readers keep the stored figure until the worker recomputes: never a live one
    assert _served_goal(client)["raised"] == 100_000
    _the_delay_passes()
    _run_worker()

    # and then the stored figure and the playbook carry the gift
    assert GoalFigure.objects.get().one_off == 50_000
    assert _served_goal(client) == {
        "currency": "USD", "target": 1_000_000, "raised": 150_000, "gap": 850_000, "percent": 15,
    }  # fmt: skip
    assert "150000" in client.get("/embed.js").content.decode()


def test_a_new_monthly_plan_counts_and_a_partial_refund_lowers_the_figure(goal, client):
    _give_through_the_sandbox(client, amount="20", frequency="monthly")
    _give_through_the_sandbox(client, amount="100")
    _the_delay_passes()
    _run_worker()
    assert _served_goal(client)["raised"] == 2_000 + 10_000

    # when $40 of the one-off gift is refunded (the ledger applies the provider's fact)
    gift = Contribution.objects.get(frequency="one_off")
    with transaction.atomic():
        facts_apply(
            provider=gift.provider,
            facts=[PaymentRefunded(gift.provider_payment_id, 4_000, timezone.now())],
        )
    _the_delay_passes()
    _run_worker()

    # then readers see exactly the refunded amount less
    assert _served_goal(client)["raised"] == 2_000 + 6_000


def test_an_unchanged_figure_leaves_the_playbook_alone(goal, client):
    plan_make(5_000)
    goal_refresh()
    client.get("/embed.js")
    build = PlaybookBuild.objects.get()

    stored = goal_refresh()

    assert stored is not None and stored.computed_at > build.built_at
    assert PlaybookBuild.objects.get().built_at == build.built_at


def test_the_periodic_recompute_runs_and_queues_its_next_run(goal, client):
    plan_make(5_000)
    _waiting().delete()  # only the periodic chain, no signal-driven run
    goal_recompute_periodically.enqueue()
    before = timezone.now()

    _run_worker()

    assert _served_goal(client)["raised"] == 5_000
    (next_run,) = _waiting(goal_recompute_periodically)
    assert next_run.run_after is not None
    assert next_run.run_after <= before + RECOMPUTE_EVERY + datetime.timedelta(seconds=5)


def test_near_a_month_boundary_the_next_run_lands_just_after_it():
    utc = datetime.UTC
    assert next_check_in(datetime.datetime(2026, 11, 20, 12, tzinfo=utc)) == RECOMPUTE_EVERY
    late = datetime.datetime(2026, 11, 30, 23, 55, tzinfo=utc)
    assert next_check_in(late) == datetime.timedelta(minutes=5, seconds=1)
    assert late + next_check_in(late) == datetime.datetime(2026, 12, 1, 0, 0, 1, tzinfo=utc)
