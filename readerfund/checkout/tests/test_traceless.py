"""Giving without leaving a trace: with a method that allows it (crypto, bank transfer), a
reader may give with no email and no name; readerfund then keeps the amount and the time,
and nothing that could lead back to them — not in the ledger, not in the logs."""

from __future__ import annotations

import logging

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.test import Client

from readerfund.goals.models import Goal
from readerfund.goals.services import goal_figure_current
from readerfund.payments.models import Contribution, ContributionStatus, PaymentAttempt
from readerfund.payments.services import transfer_mark_received

pytestmark = pytest.mark.django_db(transaction=True)

JSON = {"Accept": "application/json"}
ADDRESS = "203.0.113.77"
AGENT = "TracelessTestBrowser/1.0 (marker-7f3a)"
EMAIL = "someone@example.org"


def _stored_text() -> str:
    """Every row of every table, as text: to search the whole database for a trace."""
    rows = []
    for model in apps.get_models():
        for values in model._default_manager.values():
            rows.append(" ".join(str(value) for value in values.values()))
    return "\n".join(rows)


def _give(client: Client, **fields: str):
    data = {
        "frequency": "one_off", "currency": "USD", "amount": "5", "method": "btcpay_test",
        "no_trace": "on", **fields,
    }  # fmt: skip
    client.get("/give/")
    return client.post("/give/start", data, headers=JSON)


@pytest.fixture
def reader() -> Client:
    return Client(REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT=AGENT)


def test_a_crypto_gift_without_a_trace_keeps_the_amount_and_time_only(reader, caplog):
    caplog.set_level(logging.DEBUG)
    Goal.objects.create(monthly_cost=1_000_000, currency="USD")
    # given a reader who asks to leave no trace, though their browser sent an address
    # and name along (an autofill, say)
    started = _give(reader, email=EMAIL, name="Ivan Petrov", consent="on")
    assert started.status_code == 200, started.content

    # when they pay the test invoice and come back
    paid = reader.post(started.json()["next"], {"outcome": "pay"})
    thanks = reader.get(paid["Location"])
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)

    # then the gift counts, with nobody behind it, and no receipt goes out
    contribution = Contribution.objects.get()
    assert contribution.supporter is None
    assert (contribution.amount, contribution.currency) == (500, "USD")
    assert contribution.received_at is not None
    assert "we kept nothing about you" in thanks.content.decode()
    assert mail.outbox == []
    figure = goal_figure_current()
    assert figure is not None and figure.one_off == 500  # it counts toward the goal
    # and neither the database nor the logs hold the address, name, IP or browser
    stored = _stored_text()
    for trace in (EMAIL, "Ivan Petrov", ADDRESS, "203.0.113", AGENT, "marker-7f3a"):
        assert trace not in stored, trace
        assert all(trace not in record.getMessage() for record in caplog.records), trace


def test_a_bank_transfer_without_a_trace_is_credited_without_a_receipt(reader):
    started = _give(reader, method="bank_transfer")
    assert started.status_code == 200, started.content
    contribution = Contribution.objects.get()
    assert contribution.supporter is None and contribution.status == ContributionStatus.PENDING

    assert transfer_mark_received(contribution_id=contribution.pk) is True
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)

    assert mail.outbox == []
    assert PaymentAttempt.objects.get().email == ""


def test_a_card_gift_cannot_be_given_without_an_address(reader):
    response = _give(reader, method="sandbox")
    assert response.status_code == 400
    assert response.json()["error"] == "This payment method needs your email address."
    assert not PaymentAttempt.objects.exists()


def test_without_the_option_an_email_is_still_required(reader):
    response = _give(reader, no_trace="")
    assert response.status_code == 400
    assert "email" in response.json()["fields"]


def test_the_give_page_says_what_is_stored_and_what_is_lost(client):
    body = client.get("/give/").content.decode()
    assert "Give without leaving a trace" in body
    assert "We store only the amount and the time of your gift" in body
    assert "You get no receipt and no link to manage your gift." in body
