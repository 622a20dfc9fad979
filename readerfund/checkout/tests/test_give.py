"""The checkout's server side: amounts recomputed, abuse limited, the ledger written once."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from readerfund.checkout.services import RATE_LIMIT_PER_SESSION
from readerfund.payments.models import (
    Contribution,
    ContributionStatus,
    PaymentAttempt,
    ProviderEvent,
    RecurringPlan,
)
from readerfund.payments.services import transfer_mark_received

pytestmark = pytest.mark.django_db(transaction=True)  # the worker runs as in production

JSON = {"Accept": "application/json"}


def _give(client: Client, **overrides: str):
    data = {
        "frequency": "one_off", "currency": "USD", "amount": "5", "email": "Reader@Example.org",
        "name": "A Reader", "method": "sandbox", "consent": "on",
        "campaign": "end-of-article-ask", "variant": "urgent", "channel": "ask",
        **overrides,
    }  # fmt: skip
    client.get("/give/")  # the page starts the session, as a browser would
    return client.post("/give/start", data, headers=JSON)


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)


def test_the_give_page_offers_the_sandbox_in_test_mode_under_a_strict_csp(client):
    response = client.get("/give/?amount=500&frequency=monthly&rf_campaign=x")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Test mode" in body
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


def test_a_sandbox_gift_goes_through_the_ledger_and_sends_one_receipt(client):
    # given a reader who gives 5 USD once from an ask
    started = _give(client)
    assert started.status_code == 200, started.content
    next_url = started.json()["next"]
    assert next_url.startswith("/payments/sandbox/")

    # when they pay on the test page
    paid = client.post(next_url, {"outcome": "pay"})
    thanks = client.get(paid["Location"])

    # then one contribution is recorded with its attribution, and the thank-you page
    # hands the supporter token to the embed through the link back
    contribution = Contribution.objects.get()
    assert (contribution.amount, contribution.currency) == (500, "USD")
    assert (contribution.campaign, contribution.variant, contribution.channel) == (
        "end-of-article-ask", "urgent", "ask",
    )  # fmt: skip
    assert contribution.supporter is not None
    assert contribution.supporter.email == "reader@example.org"
    assert ProviderEvent.objects.filter(provider="sandbox").count() == 1
    assert "#readerfund-supporter=" in thanks.content.decode()

    # and the worker sends one receipt with a link to manage the gift
    _run_worker()
    _run_worker()
    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert receipt.to == ["reader@example.org"]
    assert "$5" in receipt.body
    link = re.search(r"https?://\S+/manage/(\S+)/", str(receipt.body))
    assert link is not None
    manage = client.get(f"/manage/{link.group(1)}/", follow=True)
    assert manage.redirect_chain == [("/manage/", 302)]  # the token leaves the address bar
    assert manage.status_code == 200 and "$5" in manage.content.decode()


def test_paying_twice_on_the_sandbox_page_records_once(client):
    next_url = _give(client).json()["next"]
    client.post(next_url, {"outcome": "pay"})
    client.post(next_url, {"outcome": "pay"})
    assert Contribution.objects.count() == 1


def test_a_monthly_sandbox_plan_is_active_with_its_first_payment(client):
    next_url = _give(client, frequency="monthly", amount="2").json()["next"]
    client.post(next_url, {"outcome": "pay"})
    plan = RecurringPlan.objects.get()
    assert (plan.amount, plan.frequency, plan.status) == (200, "monthly", "active")
    assert plan.payments.count() == 1


def test_a_failed_sandbox_payment_records_nothing(client):
    next_url = _give(client).json()["next"]
    response = client.post(next_url, {"outcome": "fail"})
    assert response["Location"].endswith("?failed=1")
    assert not Contribution.objects.exists()
    assert PaymentAttempt.objects.get().status == "failed"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"frequency": "monthly", "amount": "0.01"}, "amount"),  # a 5.00 plan paid 0.01
        ({"frequency": "monthly", "amount": "1.99"}, "amount"),  # below monthly from 2
        ({"amount": "-5"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "1e9"}, "amount"),
        ({"amount": "5.001"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "five"}, "amount"),
        ({"amount": "1,000"}, "amount"),  # a thousand or one? refused, not guessed
        ({"currency": "ZZZ"}, "currency"),
        ({"frequency": "weekly"}, "frequency"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_tampered_amounts_and_fields_are_refused_with_a_message(client, overrides, field):
    response = _give(client, **overrides)
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not PaymentAttempt.objects.exists()


@pytest.mark.parametrize(
    ("currency", "typed", "minor"),
    [("JPY", "500", 500), ("KWD", "1.250", 1250), ("KWD", "1,5", 1500), ("USD", "12.50", 1250)],
)
def test_an_amount_is_read_with_its_currency_s_own_decimals(
    client, jpy_and_kwd_offered, currency, typed, minor
):
    response = _give(client, currency=currency, amount=typed)

    assert response.status_code == 200, response.content
    attempt = PaymentAttempt.objects.get()
    assert (attempt.amount, attempt.currency) == (minor, currency)


@pytest.mark.parametrize(
    ("currency", "typed"), [("JPY", "5.50"), ("KWD", "1.2505"), ("KWD", "1,000")]
)
def test_more_decimals_than_the_currency_has_are_refused(
    client, jpy_and_kwd_offered, currency, typed
):
    response = _give(client, currency=currency, amount=typed)

    assert response.status_code == 400
    assert response.json()["fields"]["amount"] == ["Enter an amount, like 5 or 12.50."]
    assert not PaymentAttempt.objects.exists()


@pytest.mark.parametrize(
    "typed", ["\u0661\u0662", "\uff15", "\U0001d7d3"]
)  # Arabic-Indic 12, full-width 5, bold 5
def test_digits_other_than_0_to_9_are_refused_with_one_message(client, typed):
    response = _give(client, amount=typed)

    assert response.status_code == 400
    assert response.json()["fields"]["amount"] == [
        "Please type the amount with the digits 0 to 9, like 5 or 12.50."
    ]
    assert not PaymentAttempt.objects.exists()


def test_a_method_not_offered_is_refused(client):
    response = _give(client, method="stripe")  # no keys: not offered
    assert response.status_code == 400
    assert not PaymentAttempt.objects.exists()


def test_starting_payments_is_rate_limited_per_session(client):
    for _ in range(RATE_LIMIT_PER_SESSION):
        assert _give(client).status_code == 200
    refused = _give(client)
    assert refused.status_code == 429
    assert "Too many attempts" in refused.json()["error"]
    assert PaymentAttempt.objects.count() == RATE_LIMIT_PER_SESSION  # no further attempt


def test_starting_payments_is_rate_limited_per_address():
    # many fresh sessions from one address: the per-address limit stops them
    statuses = [_give(Client()).status_code for _ in range(12)]
    assert statuses.count(429) == 2
    assert PaymentAttempt.objects.count() == 10


def test_a_forged_x_forwarded_for_does_not_escape_the_address_limit_without_a_proxy(settings):
    # given production's defaults with no proxy declared: HTTPS assumed, X-Forwarded-For
    # not believed (READERFUND_PROXY_HOPS 0)
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.READERFUND_PROXY_HOPS = 0

    # when one address starts payments in fresh sessions, each claiming another address
    statuses = [
        _give(Client(HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")).status_code for n in range(12)
    ]

    # then the per-address limit still stops it
    assert statuses.count(429) == 2
    assert PaymentAttempt.objects.count() == 10


def test_forms_need_csrf():
    client = Client(enforce_csrf_checks=True)
    client.get("/give/")
    response = client.post("/give/start", {"amount": "5"}, headers=JSON)
    assert response.status_code == 403


@pytest.mark.parametrize(
    "return_to",
    [
        "//evil.example/",
        "https://site.example.evil.example/",
        "javascript:alert(1)",
        "https://user@testserver/",
        "ftp://testserver/",
    ],
)
def test_hostile_return_addresses_are_dropped(client, return_to):
    _give(client, return_to=return_to)
    assert PaymentAttempt.objects.get().return_to == ""


def test_return_to_this_site_or_a_listed_origin_is_kept(client, settings):
    settings.READERFUND_EMBED_ORIGINS = ["https://news.example"]
    _give(client, return_to="https://news.example/world/story/")
    assert PaymentAttempt.objects.get().return_to == "https://news.example/world/story/"


def test_a_bank_transfer_waits_for_the_admin_then_counts(client):
    started = _give(client, method="bank_transfer")
    thanks = client.get(started.json()["next"])
    contribution = Contribution.objects.get()
    assert contribution.status == ContributionStatus.PENDING
    assert contribution.provider_payment_id in thanks.content.decode()  # the reference

    assert transfer_mark_received(contribution_id=contribution.pk) is True
    assert transfer_mark_received(contribution_id=contribution.pk) is False
    contribution.refresh_from_db()
    assert contribution.status == ContributionStatus.SUCCEEDED
    _run_worker()
    assert len(mail.outbox) == 1


def test_bank_transfer_is_one_off_only(client):
    response = _give(client, method="bank_transfer", frequency="monthly")
    assert response.status_code == 400


def test_without_javascript_errors_show_on_the_page(client):
    client.get("/give/")
    response = client.post("/give/start", {"amount": "0.5", "currency": "USD",
                                           "frequency": "monthly", "email": "a@b.org",
                                           "method": "sandbox"})  # fmt: skip
    assert response.status_code == 400
    assert "smallest gift" in response.content.decode()


def test_the_give_page_speaks_the_language_the_embed_passes(client):
    response = client.get("/give/?lang=ru")
    assert '<html lang="ru"' in response.content.decode()
    # the following checkout pages keep it
    assert client.cookies["django_language"].value == "ru"
