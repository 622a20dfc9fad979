"""Reconciliation heals missed webhooks: Stripe's event list, applied once."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from readerfund.payments.models import Contribution, PlanStatus, RecurringPlan
from readerfund.payments.providers.stripe.provider import StripeProvider
from readerfund.payments.reconcile import payments_reconcile
from readerfund.tests.processes import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_unreported_payments(stripe_settings, localstripe, make_attempt):
    """Three payments at Stripe whose webhooks never arrived (none is registered) and
    whose readers never came back: two one-off gifts and the first of a monthly plan."""
    provider = StripeProvider()
    attempts = [
        make_attempt(frequency="one_off", amount=500, email="one@example.org"),
        make_attempt(frequency="one_off", amount=1500, email="two@example.org"),
        make_attempt(frequency="monthly", amount=200, email="three@example.org"),
    ]
    for attempt in attempts:
        result = provider.start(attempt=attempt, payment_token=localstripe.card_token())
        assert result.outcome == "succeeded"
    assert not Contribution.objects.exists()
    return attempts


def test_reconciliation_restores_payments_whose_webhooks_were_lost(three_unreported_payments):
    # when reconciliation runs
    report = payments_reconcile(since=timezone.now() - timedelta(hours=1))

    # then all three are in the ledger, with the plan active
    assert report.contributions_created == 3
    assert report.events_applied == report.events_seen > 0
    assert (report.events_known, report.events_deferred, report.unavailable) == (0, 0, [])
    assert sorted(Contribution.objects.values_list("amount", flat=True)) == [200, 500, 1500]
    assert {c.attempt for c in Contribution.objects.all()} == set(three_unreported_payments)
    assert RecurringPlan.objects.get().status == PlanStatus.ACTIVE


def test_reconciling_again_adds_nothing(three_unreported_payments):
    payments_reconcile(since=timezone.now() - timedelta(hours=1))

    again = payments_reconcile(since=timezone.now() - timedelta(hours=1))

    assert again.contributions_created == 0
    assert again.events_applied == 0
    assert again.events_known == again.events_seen > 0
    assert Contribution.objects.count() == 3


def test_reconciliation_skips_what_a_webhook_already_recorded(
    three_unreported_payments, localstripe, post_webhook
):
    # given the first gift's webhook did arrive
    first = three_unreported_payments[0]
    [delivered] = [
        event
        for event in localstripe.events("payment_intent.succeeded")
        if event["data"]["object"]["metadata"].get("readerfund_attempt") == str(first.public_id)
    ]
    assert post_webhook(delivered).status_code == 200

    report = payments_reconcile(since=timezone.now() - timedelta(hours=1))

    assert report.contributions_created == 2
    assert report.events_known == 1
    assert Contribution.objects.filter(attempt=first).count() == 1
    assert Contribution.objects.count() == 3


def test_events_older_than_the_window_are_left_alone(three_unreported_payments):
    report = payments_reconcile(since=timezone.now() + timedelta(minutes=5))

    assert (report.events_seen, report.contributions_created) == (0, 0)
    assert not Contribution.objects.exists()


def test_the_command_reports_what_it_did(three_unreported_payments):
    output = StringIO()

    call_command("payments", "reconcile", "--hours", "2", stdout=output)

    assert "3 contributions recorded" in output.getvalue()
    assert Contribution.objects.count() == 3


def test_the_command_fails_when_stripe_does_not_answer(stripe_settings):
    stripe_settings.READERFUND_STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(CommandError, match="stripe"):
        call_command("payments", "reconcile", stdout=StringIO())

    assert payments_reconcile(since=timezone.now()).unavailable == ["stripe"]
