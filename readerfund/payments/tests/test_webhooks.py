"""POST /payments/webhooks/stripe/: verified, stored once, applied in any order, and
answered so that Stripe's retries help. Events are localstripe's own wherever it makes
them; the few types it never emits wrap a real localstripe object in Stripe's envelope."""

from __future__ import annotations

import itertools
import json
import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client

from readerfund.payments.models import (
    Contribution,
    ContributionStatus,
    PlanStatus,
    ProviderEvent,
    RecurringPlan,
)
from readerfund.payments.providers.stripe import STRIPE_API_VERSION
from readerfund.payments.providers.stripe.provider import StripeProvider
from readerfund.payments.services import attempt_confirm
from readerfund.payments.tests.conftest import VISA, receipts_queued, stripe_event, stripe_signature
from readerfund.tests.waiting import wait_for


@pytest.fixture
def provider(stripe_settings) -> StripeProvider:
    return StripeProvider()


@pytest.fixture
def paid_gift(provider, localstripe, make_attempt):
    """A $5 gift paid at Stripe whose webhook has not arrived: (attempt, its real event)."""
    attempt = make_attempt(frequency="one_off", amount=500)
    result = provider.start(attempt=attempt, payment_token=localstripe.card_token(VISA))
    attempt.provider_reference = result.reference
    attempt.save(update_fields=["provider_reference"])
    [event] = localstripe.events("payment_intent.succeeded")
    assert event["data"]["object"]["id"] == result.reference
    return attempt, event


def _nothing_written() -> bool:
    return not ProviderEvent.objects.exists() and not Contribution.objects.exists()


# ---- verification ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forgery",
    ["wrong secret", "no header", "stale", "tampered body", "garbled header", "no v1 signature"],
)
def test_an_unverified_webhook_is_rejected_before_any_write(paid_gift, post_webhook, forgery):
    _attempt, event = paid_gift
    body = json.dumps(event).encode()
    now = int(time.time())
    if forgery == "wrong secret":
        response = post_webhook(body, secret="whsec_someone_else")
    elif forgery == "no header":
        response = post_webhook(body, signature="")
    elif forgery == "stale":  # a correct signature, replayed more than 300 s later
        response = post_webhook(body, at=now - 301)
    elif forgery == "tampered body":
        signature = stripe_signature(body)
        tampered = body.replace(b'"amount": 500', b'"amount": 50000')
        assert tampered != body
        response = post_webhook(tampered, signature=signature)
    elif forgery == "garbled header":
        response = post_webhook(body, signature="t=abc,v1=")
    else:
        response = post_webhook(body, signature=stripe_signature(body).replace("v1=", "v0="))

    assert response.status_code == 400
    assert _nothing_written()


@pytest.mark.django_db
def test_a_signature_just_inside_the_tolerance_is_accepted(paid_gift, post_webhook):
    _attempt, event = paid_gift

    response = post_webhook(event, at=int(time.time()) - 280)

    assert response.status_code == 200
    assert Contribution.objects.count() == 1


@pytest.mark.django_db
def test_without_a_webhook_secret_every_event_is_rejected(paid_gift, post_webhook, settings):
    _attempt, event = paid_gift
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = post_webhook(event, secret="")

    assert response.status_code == 400
    assert _nothing_written()


@pytest.mark.django_db
def test_an_event_of_another_api_version_is_rejected_loudly(paid_gift, post_webhook, caplog):
    _attempt, event = paid_gift
    event = {**event, "api_version": "2020-08-27"}

    response = post_webhook(event)

    assert response.status_code == 400
    assert _nothing_written()
    assert "2020-08-27" in caplog.text and STRIPE_API_VERSION in caplog.text


@pytest.mark.django_db
def test_a_live_mode_event_is_rejected_by_a_test_mode_server(paid_gift, post_webhook):
    _attempt, event = paid_gift

    response = post_webhook({**event, "livemode": True})

    assert response.status_code == 400
    assert _nothing_written()


# ---- exactly once ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_event_twice_records_one_contribution_and_one_receipt(paid_gift, post_webhook):
    attempt, event = paid_gift

    first = post_webhook(event)
    second = post_webhook(event)

    assert (first.status_code, first.json()) == (200, {"applied": True})
    assert (second.status_code, second.json()) == (200, {"applied": False})
    contribution = Contribution.objects.get()
    assert contribution.attempt == attempt
    assert (contribution.amount, contribution.currency) == (500, "USD")
    assert ProviderEvent.objects.count() == 1
    assert receipts_queued() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_event_from_two_threads_at_once_records_one_contribution(paid_gift, post_webhook):
    _attempt, event = paid_gift
    start = threading.Barrier(2)
    statuses: list[int] = []

    def deliver() -> None:
        try:
            start.wait()
            statuses.append(post_webhook(event, http=Client()).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert statuses == [200, 200]
    assert Contribution.objects.count() == 1
    assert ProviderEvent.objects.count() == 1
    assert receipts_queued() == 1


@pytest.mark.django_db(transaction=True)
def test_the_readers_return_racing_the_webhook_records_one_contribution(
    paid_gift, post_webhook, provider
):
    # given the reader's return has recorded the gift, but not committed yet
    attempt, event = paid_gift
    webhook_status: list[int] = []

    def deliver() -> None:
        try:
            webhook_status.append(post_webhook(event, http=Client()).status_code)
        finally:
            connection.close()

    webhook = threading.Thread(target=deliver)
    with transaction.atomic():
        facts = provider.confirm(attempt=attempt)
        created_by_return = attempt_confirm(attempt=attempt, facts=facts)
        # when the webhook arrives in the middle of it
        webhook.start()
        time.sleep(0.5)
        assert webhook_status == []  # it waits on our uncommitted write
    webhook.join(timeout=30)

    # then one of them recorded it, once
    assert created_by_return == 1
    assert webhook_status == [200]
    assert Contribution.objects.count() == 1
    assert receipts_queued() == 1


@pytest.fixture
def plan_events(provider, localstripe, make_attempt):
    """A $2 monthly plan paid and then canceled at Stripe, as three events: the invoice
    paid, the subscription updated to active, the subscription deleted."""
    attempt = make_attempt(frequency="monthly", amount=200)
    result = provider.start(attempt=attempt, payment_token=localstripe.card_token(VISA))
    assert result.outcome == "succeeded"
    [invoice_paid] = localstripe.events("invoice.payment_succeeded")
    # localstripe never sends customer.subscription.updated: wrap its real subscription
    active = localstripe.get(f"/v1/subscriptions/{result.reference}")
    updated = stripe_event("customer.subscription.updated", active, created=invoice_paid["created"])
    provider.cancel_plan(plan=RecurringPlan(provider="stripe", provider_plan_id=result.reference))
    [deleted] = localstripe.events("customer.subscription.deleted")
    return [invoice_paid, updated, deleted]


@pytest.mark.django_db
@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_plan_events_in_any_order_end_in_the_same_state(plan_events, post_webhook, order):
    statuses = [post_webhook(plan_events[index]).status_code for index in order]

    assert statuses == [200, 200, 200]
    plan = RecurringPlan.objects.get()
    assert plan.status == PlanStatus.CANCELED
    assert plan.canceled_at is not None
    contribution = Contribution.objects.get()
    assert contribution.plan == plan
    assert (contribution.amount, contribution.frequency) == (200, "monthly")
    assert receipts_queued() == 1


# ---- not ours, not yet -----------------------------------------------------------------


@pytest.fixture
def foreign_objects(provider, localstripe):
    """Objects in the same Stripe account that readerfund did not make (a shop, say)."""
    token = localstripe.card_token(VISA)
    customer = localstripe.post("/v1/customers", {"email": "shop@example.org", "source": token})
    intent = localstripe.post(
        "/v1/payment_intents",
        {
            "amount": 1999,
            "currency": "usd",
            "customer": customer["id"],
            "payment_method": customer["default_source"],
            "confirm": True,
        },
    )
    localstripe.post(
        "/v1/plans",
        {"id": "shop-monthly", "amount": 900, "currency": "usd", "interval": "month",
         "product": {"name": "Shop club"}},
    )  # fmt: skip
    subscription = localstripe.post(
        "/v1/subscriptions", {"customer": customer["id"], "items": [{"plan": "shop-monthly"}]}
    )
    return {"intent": intent, "subscription": subscription}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "event_type",
    [
        "payment_intent.succeeded",
        "invoice.payment_succeeded",
        "customer.subscription.created",
        "customer.created",  # a type readerfund does not act on at all
    ],
)
def test_an_event_that_is_not_ours_is_stored_and_answered_200(
    foreign_objects, localstripe, post_webhook, event_type
):
    events = localstripe.events(event_type)
    assert events

    statuses = [post_webhook(event).status_code for event in events]

    # 200: a retry would not make it ours
    assert set(statuses) == {200}
    assert not Contribution.objects.exists()
    assert not RecurringPlan.objects.exists()
    assert set(ProviderEvent.objects.values_list("event_id", flat=True)) == {
        event["id"] for event in events
    }


@pytest.mark.django_db
def test_an_unknown_event_type_is_answered_200(post_webhook, stripe_settings):
    event = stripe_event("radar.early_fraud_warning.created", {"id": "issfr_1", "object": "x"})

    response = post_webhook(event)

    assert response.status_code == 200
    assert not Contribution.objects.exists()


@pytest.mark.django_db
def test_a_refund_before_its_payment_is_deferred_with_503_then_applied(
    paid_gift, post_webhook, provider, localstripe
):
    # given a refunded gift whose refund event outruns its payment event
    _attempt, paid = paid_gift
    intent = paid["data"]["object"]
    refund = localstripe.post("/v1/refunds", {"payment_intent": intent["id"]})
    charge = localstripe.get(f"/v1/charges/{refund['charge']}")
    refunded = stripe_event("charge.refunded", charge)

    # when the refund comes first, Stripe is told to retry, and nothing is stored
    early = post_webhook(refunded)
    assert early.status_code == 503
    assert _nothing_written()

    # then, after the payment, the retry applies it
    assert post_webhook(paid).status_code == 200
    assert post_webhook(refunded).status_code == 200
    contribution = Contribution.objects.get()
    assert (contribution.status, contribution.refunded_amount) == (ContributionStatus.REFUNDED, 500)


@pytest.mark.django_db
def test_a_refund_made_from_readerfund_shows_once_stripe_confirms_it(
    paid_gift, post_webhook, provider, localstripe
):
    _attempt, paid = paid_gift
    post_webhook(paid)
    contribution = Contribution.objects.get()

    provider.refund(contribution=contribution)
    intent = localstripe.get(f"/v1/payment_intents/{contribution.provider_payment_id}")
    charge = localstripe.get(f"/v1/charges/{intent['latest_charge']['id']}")
    response = post_webhook(stripe_event("charge.refunded", charge))

    assert response.status_code == 200
    contribution.refresh_from_db()
    assert contribution.status == ContributionStatus.REFUNDED
    assert contribution.refunded_amount == 500


@pytest.mark.django_db
def test_a_dispute_marks_the_contribution_disputed(paid_gift, post_webhook):
    _attempt, paid = paid_gift
    post_webhook(paid)
    intent = paid["data"]["object"]
    # localstripe has no disputes: the object as Stripe documents it, on the real charge
    dispute = {
        "id": "dp_test_1",
        "object": "dispute",
        "amount": 500,
        "currency": "usd",
        "charge": intent["latest_charge"]["id"],
        "payment_intent": intent["id"],
        "reason": "fraudulent",
        "status": "needs_response",
        "livemode": False,
        "created": int(time.time()),
        "metadata": {},
    }

    response = post_webhook(stripe_event("charge.dispute.created", dispute))

    assert response.status_code == 200
    assert Contribution.objects.get().status == ContributionStatus.DISPUTED


# ---- real delivery from localstripe ----------------------------------------------------


def test_localstripes_signed_webhooks_record_a_gift_and_a_plan(
    stripe_webhooks, provider, localstripe, make_attempt
):
    # given localstripe delivers its webhooks, signed, to the running server
    gift = make_attempt(frequency="one_off", amount=500)
    monthly = make_attempt(frequency="monthly", amount=200, email="monthly@example.org")

    # when a reader gives once and another monthly, and neither comes back to the site
    assert provider.start(attempt=gift, payment_token=localstripe.card_token()).outcome == (
        "succeeded"
    )
    assert provider.start(attempt=monthly, payment_token=localstripe.card_token()).outcome == (
        "succeeded"
    )

    # then the webhooks alone record both
    wait_for(
        lambda: (
            Contribution.objects.count() == 2
            and RecurringPlan.objects.filter(status=PlanStatus.ACTIVE).exists()
        ),
        "both webhooks; localstripe's log ends: " + localstripe.log.read_text()[-3000:],
    )
    assert set(Contribution.objects.values_list("attempt", "frequency")) == {
        (gift.pk, "one_off"),
        (monthly.pk, "monthly"),
    }
    assert receipts_queued() == 2
