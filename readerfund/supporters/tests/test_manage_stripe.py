"""A supporter's changes to a Stripe plan, against localstripe through the real SDK: what
reaches Stripe, what the ledger shows at once, and how Stripe's later events (signed, in
any order) leave it. localstripe never sends customer.subscription.updated and has no
`pause_collection`; those events wrap its real subscription in Stripe's envelope."""

from __future__ import annotations

import time
from typing import Any

import pytest

from readerfund.core.tokens import TokenInvalid
from readerfund.payments.models import Contribution, PlanStatus, ProviderEvent, RecurringPlan
from readerfund.payments.providers.base import ProviderRefused, ProviderUnavailable
from readerfund.payments.providers.stripe.provider import StripeProvider
from readerfund.payments.registry import provider_get
from readerfund.payments.services import attempt_confirm
from readerfund.payments.tests.conftest import VISA, stripe_event
from readerfund.supporters import services
from readerfund.tests.waiting import wait_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(stripe_settings) -> StripeProvider:
    found = provider_get("stripe")
    assert isinstance(found, StripeProvider)
    return found


@pytest.fixture
def plan(provider, localstripe, make_attempt) -> RecurringPlan:
    """A $5 monthly Stripe plan, paid and confirmed by the reader's return."""
    attempt = make_attempt(frequency="monthly", amount=500)
    result = provider.start(attempt=attempt, payment_token=localstripe.card_token(VISA))
    attempt.provider_reference = result.reference
    attempt.save(update_fields=["provider_reference"])
    attempt_confirm(attempt=attempt, facts=provider.confirm(attempt=attempt))
    return RecurringPlan.objects.get()


def _token(plan: RecurringPlan) -> str:
    return services.action_token_make(supporter=plan.supporter)


def _subscription(localstripe, plan: RecurringPlan) -> dict[str, Any]:
    return dict(localstripe.get(f"/v1/subscriptions/{plan.provider_plan_id}"))


def test_a_new_amount_moves_the_subscription_to_that_plan_and_the_ledger_follows(
    plan, localstripe, post_webhook
):
    # when the supporter raises $5 to $12.50 a month, a moment after the plan started
    # (Stripe's clock counts whole seconds; equal moments are applied in arrival order)
    started = int(time.time())
    wait_for(lambda: int(time.time()) > started, "the next second", timeout=2)
    changed = services.plan_amount_change(
        supporter=plan.supporter, plan_id=plan.pk, amount=1250, action_token=_token(plan)
    )

    # then Stripe bills the next period on the $12.50 plan, without proration
    subscription = _subscription(localstripe, plan)
    [item] = subscription["items"]["data"]
    assert item["plan"]["id"] == "readerfund-month-usd-1250"
    assert item["plan"]["amount"] == 1250
    assert item["metadata"] == {"readerfund_attempt": str(plan.attempt.public_id)}
    # and the ledger shows it at once, from Stripe's answer
    assert (changed.amount, changed.status) == (1250, PlanStatus.ACTIVE)

    # when Stripe's event about the change arrives, then the one before it (late)
    updated = stripe_event("customer.subscription.updated", subscription)
    [created] = localstripe.events("customer.subscription.created")
    assert post_webhook(updated).status_code == 200
    assert post_webhook(created).status_code == 200

    # then nothing moves backwards: still $12.50, no payment was added
    plan.refresh_from_db()
    assert (plan.amount, plan.status) == (1250, PlanStatus.ACTIVE)
    assert Contribution.objects.count() == 1
    assert ProviderEvent.objects.filter(type="customer.subscription.updated").count() == 1


def test_stripes_pause_and_resume_events_are_ordered_by_their_time(plan, localstripe, post_webhook):
    subscription = _subscription(localstripe, plan)
    paused = {**subscription, "pause_collection": {"behavior": "void", "resumes_at": None}}
    at = plan.status_at.timestamp()
    pause = stripe_event("customer.subscription.updated", paused, created=int(at) + 60)
    resume = stripe_event("customer.subscription.updated", subscription, created=int(at) + 120)

    # the pause arrives: paused
    post_webhook(pause)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PAUSED

    # the resume, then a late copy of the pause: active, and it stays so
    post_webhook(resume)
    post_webhook({**pause, "id": pause["id"] + "x"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE


def test_a_canceled_plan_stays_canceled_whatever_comes_later(plan, localstripe, post_webhook):
    subscription = _subscription(localstripe, plan)
    services.plan_cancel(
        supporter=plan.supporter, plan_id=plan.pk, action_token=_token(plan), reason="once"
    )
    plan.refresh_from_db()
    assert (plan.status, plan.cancel_reason) == (PlanStatus.CANCELED, "once")
    assert _subscription(localstripe, plan)["status"] == "canceled"

    later = stripe_event("customer.subscription.updated", subscription, created=2_000_000_000)
    post_webhook(later)

    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELED


def test_pause_needs_stripes_pause_collection_which_localstripe_lacks(plan):
    # localstripe answers 500 to `pause_collection`; Stripe itself accepts it. The change
    # fails as "try again later", and the form's token stays unused for that retry.
    token = _token(plan)
    with pytest.raises(ProviderUnavailable):
        services.plan_pause(supporter=plan.supporter, plan_id=plan.pk, action_token=token)

    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    services.plan_amount_change(
        supporter=plan.supporter, plan_id=plan.pk, amount=700, action_token=token
    )  # the same token works once the first try failed


def test_a_card_setup_made_for_another_plan_is_refused(plan, provider, localstripe, make_attempt):
    other_attempt = make_attempt(frequency="monthly", amount=300, email="other@example.org")
    result = provider.start(attempt=other_attempt, payment_token=localstripe.card_token(VISA))
    other_attempt.provider_reference = result.reference
    other_attempt.save(update_fields=["provider_reference"])
    attempt_confirm(attempt=other_attempt, facts=provider.confirm(attempt=other_attempt))
    other = RecurringPlan.objects.get(attempt=other_attempt)
    theirs = provider.card_update_start(plan=other)

    with pytest.raises(ProviderRefused):
        services.plan_card_finish(
            supporter=plan.supporter,
            plan_id=plan.pk,
            setup_reference=theirs.reference,
            action_token=_token(plan),
        )


def test_an_unconfirmed_card_setup_is_refused(plan, provider):
    started = provider.card_update_start(plan=plan)
    assert started.client_secret.startswith(started.reference + "_secret_")

    with pytest.raises(ProviderRefused):
        provider.card_update_finish(plan=plan, setup_reference=started.reference)


def test_stripe_unreachable_changes_nothing_and_keeps_the_form_usable(plan, settings, localstripe):
    token = _token(plan)
    settings.READERFUND_STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there

    with pytest.raises(ProviderUnavailable):
        services.plan_amount_change(
            supporter=plan.supporter, plan_id=plan.pk, amount=900, action_token=token
        )
    plan.refresh_from_db()
    assert plan.amount == 500

    # the form's token was not spent: the retry works, once
    settings.READERFUND_STRIPE_API_BASE = localstripe.url
    services.plan_amount_change(
        supporter=plan.supporter, plan_id=plan.pk, amount=900, action_token=token
    )
    with pytest.raises(TokenInvalid):
        services.plan_amount_change(
            supporter=plan.supporter, plan_id=plan.pk, amount=1500, action_token=token
        )
    plan.refresh_from_db()
    assert plan.amount == 900
