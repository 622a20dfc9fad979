"""POST /payments/webhooks/btcpay/: verified by BTCPay-Sig, recorded once per delivery,
credited only from the invoice as BTCPay's API answers it — against the stand-in, which
signs its deliveries as BTCPay does."""

from __future__ import annotations

import datetime
import itertools
import json
import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from readerfund.payments.models import (
    AttemptStatus,
    Contribution,
    PaymentAttempt,
    PaymentReview,
    ProviderEvent,
)
from readerfund.payments.providers.btcpay.provider import BTCPayProvider, btcpay_sign
from readerfund.payments.providers.btcpay.tests.fixtures import WEBHOOK_PATH, WEBHOOK_SECRET
from readerfund.payments.reconcile import payments_reconcile
from readerfund.payments.tests.conftest import receipts_queued


def _attempt(**fields) -> PaymentAttempt:
    values = {
        "provider": "btcpay", "frequency": "one_off", "amount": 500, "currency": "USD",
        "email": "reader@example.org", "name": "A Reader", "campaign": "ask-ru", **fields,
    }  # fmt: skip
    return PaymentAttempt.objects.create(**values)


@pytest.fixture
def invoice(btcpay_settings):
    """A $5 gift whose BTCPay invoice was created: (attempt, invoice id)."""
    attempt = _attempt()
    result = BTCPayProvider().start(attempt=attempt, payment_token="")
    assert result.outcome == "redirect" and "/i/" in result.redirect_url
    attempt.provider_reference = result.reference
    attempt.save(update_fields=["provider_reference"])
    return attempt, result.reference


def _post(client, body: bytes, signature: str | None):
    headers = {} if signature is None else {"BTCPay-Sig": signature}
    return client.post(WEBHOOK_PATH, data=body, content_type="application/json", headers=headers)


def _deliver(client, btcpay_standin, delivery_id: str):
    body, signature = btcpay_standin.delivery(delivery_id)
    return _post(client, body, signature)


def _nothing_written() -> bool:
    return not ProviderEvent.objects.exists() and not Contribution.objects.exists()


# ---- verification ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forgery", ["wrong secret", "no header", "stale", "tampered body", "garbled header"]
)
def test_an_unverified_delivery_is_rejected_before_any_write(
    client, btcpay_standin, invoice, forgery
):
    # given the real, signed delivery of a settled invoice
    invoice_id = invoice[1]
    settled = btcpay_standin.act(invoice_id, "pay")[-1]
    body, signature = btcpay_standin.delivery(settled)

    # when it arrives forged in one way
    if forgery == "wrong secret":
        response = _post(client, body, btcpay_sign(body, "someone else's secret"))
    elif forgery == "no header":
        response = _post(client, body, None)
    elif forgery == "stale":  # correctly signed, but sent three hours ago
        old = json.loads(body)
        old["timestamp"] = int(time.time()) - 3 * 3600
        stale = json.dumps(old).encode()
        response = _post(client, stale, btcpay_sign(stale, WEBHOOK_SECRET))
    elif forgery == "tampered body":
        response = _post(client, body.replace(b"InvoiceSettled", b"InvoiceSettlex"), signature)
    else:
        response = _post(client, body, signature.replace("sha256=", "sha1="))

    # then 400 and nothing is written
    assert response.status_code == 400
    assert _nothing_written()


@pytest.mark.django_db
def test_without_a_webhook_secret_every_delivery_is_rejected(
    client, btcpay_standin, invoice, settings
):
    invoice_id = invoice[1]
    body, signature = btcpay_standin.delivery(btcpay_standin.act(invoice_id, "pay")[-1])
    settings.BTCPAY_WEBHOOK_SECRET = ""
    assert _post(client, body, signature).status_code == 400
    assert _nothing_written()


@pytest.mark.django_db
def test_a_forged_settled_delivery_of_an_unpaid_invoice_credits_nothing(
    client, btcpay_standin, invoice
):
    # given an invoice nobody paid, and a "settled" delivery about it signed with the
    # right secret (a leaked secret, or a replayed body edited by someone who has it)
    attempt, invoice_id = invoice
    forged = json.dumps({
        "deliveryId": "dlv_forged", "webhookId": "wh", "originalDeliveryId": "dlv_forged",
        "isRedelivery": False, "type": "InvoiceSettled", "timestamp": int(time.time()),
        "storeId": "store_test", "invoiceId": invoice_id, "overPaid": False,
    }).encode()  # fmt: skip

    # when it arrives
    response = _post(client, forged, btcpay_sign(forged, WEBHOOK_SECRET))

    # then it is recorded as received, but the API says New: nothing is credited
    assert response.status_code == 200
    assert not Contribution.objects.exists()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.STARTED


# ---- exactly once, in any order ---------------------------------------------------------


@pytest.mark.django_db
def test_a_settled_invoice_credits_the_gift_once_with_one_receipt(client, btcpay_standin, invoice):
    # given the four deliveries of an invoice paid in full
    attempt, invoice_id = invoice
    deliveries = btcpay_standin.act(invoice_id, "pay")
    settled = deliveries[-1]

    # when the InvoiceSettled delivery arrives twice, then its redelivery
    first = _deliver(client, btcpay_standin, settled)
    again = _deliver(client, btcpay_standin, settled)
    redelivered = btcpay_standin.call(
        "POST", f"/api/v1/stores/store_test/webhooks/x/deliveries/{settled}/redeliver"
    )
    third = _deliver(client, btcpay_standin, redelivered)

    # then one contribution of $5 for the attempt, one receipt, one stored event
    assert [r.status_code for r in (first, again, third)] == [200, 200, 200]
    assert (first.json(), again.json(), third.json()) == (
        {"applied": True}, {"applied": False}, {"applied": False}
    )  # fmt: skip
    contribution = Contribution.objects.get()
    assert (contribution.amount, contribution.currency, contribution.provider) == (
        500,
        "USD",
        "btcpay",
    )
    assert contribution.provider_payment_id == invoice_id
    assert contribution.supporter is not None
    assert contribution.supporter.email == "reader@example.org"
    assert receipts_queued() == 1
    assert ProviderEvent.objects.filter(provider="btcpay").count() == 1
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_the_same_delivery_from_two_threads_at_once_records_one_contribution(
    btcpay_standin, invoice
):
    # given a settled invoice's delivery
    invoice_id = invoice[1]
    body, signature = btcpay_standin.delivery(btcpay_standin.act(invoice_id, "pay")[-1])
    start = threading.Barrier(2)
    answers: list[int] = []

    def deliver() -> None:
        try:
            start.wait()
            answers.append(_post(Client(), body, signature).status_code)
        finally:
            connection.close()

    # when two threads deliver it at the same moment (on PostgreSQL: really at once)
    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then one contribution, one receipt, and both answered 200
    assert sorted(answers) == [200, 200]
    assert Contribution.objects.count() == 1
    assert receipts_queued() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_deliveries_in_any_order_end_in_the_same_state(client, btcpay_standin, invoice, order):
    # given the four deliveries of a paid invoice (received, payment settled, processing,
    # settled), each asking the API for the invoice as it now is
    attempt, invoice_id = invoice
    deliveries = btcpay_standin.act(invoice_id, "pay")
    assert len(deliveries) == 4

    # when they arrive in this order
    for index in order:
        assert _deliver(client, btcpay_standin, deliveries[index]).status_code == 200

    # then the same end: one contribution of the full amount, the attempt succeeded
    assert list(Contribution.objects.values_list("amount", "provider_payment_id")) == [
        (500, invoice_id)
    ]
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUCCEEDED
    assert DBTaskResult.objects.count() >= 1


@pytest.mark.django_db
def test_an_expired_invoice_closes_the_attempt(client, btcpay_standin, invoice):
    attempt, invoice_id = invoice
    [expired] = btcpay_standin.act(invoice_id, "expire")
    assert _deliver(client, btcpay_standin, expired).status_code == 200
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FAILED
    assert not Contribution.objects.exists()


# ---- review ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "reason", "received"),
    [("partial", "paid_partial", 250), ("over", "paid_over", 750), ("late", "paid_late", 500)],
)
def test_an_invoice_paid_wrongly_goes_to_review_with_the_amounts(
    client, btcpay_standin, invoice, action, reason, received
):
    # given an invoice of $5 paid partly, over or late
    attempt, invoice_id = invoice
    deliveries = btcpay_standin.act(invoice_id, action)

    # when its deliveries arrive
    for delivery in deliveries:
        assert _deliver(client, btcpay_standin, delivery).status_code == 200

    # then nothing is credited, and one review names what was expected and what came
    assert not Contribution.objects.exists()
    review = PaymentReview.objects.get()
    assert (review.reason, review.expected_amount, review.currency) == (reason, 500, "USD")
    assert review.received_amount == received
    assert "BTC" in review.received
    assert review.attempt == attempt


# ---- reconciliation ------------------------------------------------------------------------


@pytest.mark.django_db
def test_reconcile_heals_a_missed_webhook_once(btcpay_standin, btcpay_settings):
    # given three gifts paid while every webhook was lost
    invoices = []
    for _ in range(3):
        attempt = _attempt()
        result = BTCPayProvider().start(attempt=attempt, payment_token="")
        btcpay_standin.act(result.reference, "pay")
        invoices.append(result.reference)
    since = timezone.now() - datetime.timedelta(hours=1)

    # when reconciliation runs, twice
    first = payments_reconcile(since=since)
    second = payments_reconcile(since=since)

    # then the three gifts are credited once, with one receipt each
    assert first.contributions_created == 3
    assert second.contributions_created == 0
    assert sorted(Contribution.objects.values_list("provider_payment_id", flat=True)) == sorted(
        invoices
    )
    assert receipts_queued() == 3


@pytest.mark.django_db
def test_a_delivery_while_the_api_is_down_is_deferred_with_503_and_nothing_stored(
    client, btcpay_standin, invoice, settings
):
    # given a settled invoice's delivery, and BTCPay's API unreachable when it arrives
    invoice_id = invoice[1]
    body, signature = btcpay_standin.delivery(btcpay_standin.act(invoice_id, "pay")[-1])
    settings.BTCPAY_URL = "http://127.0.0.1:9"

    # when it arrives, then 503 (BTCPay delivers again) and nothing is written
    assert _post(client, body, signature).status_code == 503
    assert _nothing_written()

    # and once the API answers, the same delivery credits the gift
    settings.BTCPAY_URL = btcpay_standin.url
    assert _post(client, body, signature).status_code == 200
    assert Contribution.objects.count() == 1


@pytest.mark.django_db
def test_a_delivery_about_another_store_is_stored_and_changes_nothing(client, invoice):
    other = json.dumps({
        "deliveryId": "dlv_other", "type": "InvoiceSettled", "timestamp": int(time.time()),
        "storeId": "someone_elses_store", "invoiceId": invoice[1],
    }).encode()  # fmt: skip
    response = _post(client, other, btcpay_sign(other, WEBHOOK_SECRET))
    assert response.status_code == 200
    assert not Contribution.objects.exists()
