"""Crypto in the demo: methods per country, the test-mode invoice, and production's
refusal of it unless READERFUND_TEST_MODE is declared; payments to review decided once."""

from __future__ import annotations

import pytest
from django.test import Client

from readerfund.payments.models import (
    Contribution,
    PaymentAttempt,
    PaymentReview,
    ProviderEvent,
)
from readerfund.payments.providers.btcpay.sandbox import (
    SANDBOX_SIGNATURE_HEADER,
    BTCPayTestProvider,
)
from readerfund.payments.services import review_resolve

pytestmark = pytest.mark.django_db

JSON = {"Accept": "application/json"}


def _methods(client: Client, country: str) -> list[str]:
    body = client.get("/give/", headers={"CF-IPCountry": country}).content.decode()
    return [
        name for name in ("sandbox", "btcpay_test", "bank_transfer") if f'value="{name}"' in body
    ]


def test_the_demo_offers_readers_in_russia_crypto_and_bank_transfer_and_others_a_card_too(client):
    assert _methods(client, "RU") == ["btcpay_test", "bank_transfer"]
    assert _methods(client, "DE") == ["sandbox", "btcpay_test", "bank_transfer"]


def _start(client: Client) -> PaymentAttempt:
    client.get("/give/", headers={"CF-IPCountry": "RU"})
    started = client.post(
        "/give/start",
        {"frequency": "one_off", "currency": "USD", "amount": "5", "method": "btcpay_test",
         "email": "reader@example.org"},
        headers={**JSON, "CF-IPCountry": "RU"},
    )  # fmt: skip
    assert started.status_code == 200, started.content
    return PaymentAttempt.objects.get()


def test_a_test_invoice_that_expires_closes_the_attempt_and_credits_nothing(client):
    attempt = _start(client)
    client.post(f"/payments/btcpay/test/{attempt.public_id}/", {"outcome": "expire"})
    attempt.refresh_from_db()
    assert attempt.status == "failed"
    assert not Contribution.objects.exists()


def test_production_without_test_mode_refuses_the_test_invoice(client, settings):
    # given a test invoice started while test mode was on
    attempt = _start(client)
    body, signature = BTCPayTestProvider().delivery_for(attempt=attempt, outcome="pay")

    # when production runs without READERFUND_TEST_MODE
    settings.PRODUCTION = True
    settings.READERFUND_TEST_MODE = False

    # then crypto in test mode is not offered, its page and its webhook refuse
    assert "btcpay_test" not in _methods(client, "RU")
    page = client.post(f"/payments/btcpay/test/{attempt.public_id}/", {"outcome": "pay"})
    hook = client.post(
        "/payments/webhooks/btcpay_test/", data=body, content_type="application/json",
        headers={SANDBOX_SIGNATURE_HEADER: signature},
    )  # fmt: skip
    assert (page.status_code, hook.status_code) == (404, 404)
    assert not Contribution.objects.exists() and not ProviderEvent.objects.exists()


def test_a_review_is_decided_once_and_credits_what_arrived(client):
    attempt = _start(client)
    review = PaymentReview.objects.create(
        provider="btcpay", provider_payment_id="inv_1", attempt=attempt, reason="paid_partial",
        expected_amount=500, received_amount=250, currency="USD", received="0.00005 BTC",
        noticed_at=attempt.created_at,
    )  # fmt: skip

    assert review_resolve(review_id=review.pk, resolution="credited") is True
    assert review_resolve(review_id=review.pk, resolution="credited") is False
    assert review_resolve(review_id=review.pk, resolution="dismissed") is False

    contribution = Contribution.objects.get()
    assert (contribution.amount, contribution.provider_payment_id) == (250, "inv_1")
    assert contribution.supporter is not None


def test_the_review_list_shows_what_was_expected_and_what_arrived(admin_client, client):
    attempt = _start(client)
    PaymentReview.objects.create(
        provider="btcpay", provider_payment_id="inv_2", attempt=attempt, reason="paid_over",
        expected_amount=500, received_amount=750, currency="USD", received="0.00015 BTC",
        noticed_at=attempt.created_at,
    )  # fmt: skip
    page = admin_client.get("/admin/payments/paymentreview/").content.decode()
    assert "Paid too much" in page
    assert ">$5<" in page and ">$7.50<" in page and "0.00015 BTC" in page
