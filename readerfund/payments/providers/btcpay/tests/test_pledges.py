"""Monthly giving in crypto: a pledge. Each month a fresh BTCPay invoice is made and its
link emailed, once; the month's gift counts toward the goal only when that invoice is paid;
the link in every email stops the pledge."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from readerfund.goals.models import Goal
from readerfund.goals.services import goal_figure_current
from readerfund.payments.models import Contribution, Frequency, PaymentAttempt
from readerfund.payments.providers.btcpay.models import Pledge, PledgeInvoice, PledgeStatus
from readerfund.payments.providers.btcpay.pledges import pledges_invoice
from readerfund.payments.providers.btcpay.provider import BTCPayProvider
from readerfund.payments.services import attempt_confirm
from readerfund.supporters.tests.conftest import action_token, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def pledge(btcpay_settings, btcpay_standin) -> Pledge:
    """A reader who pledged $5 a month in crypto and paid the first invoice."""
    Goal.objects.create(monthly_cost=1_000_000, currency="USD")
    attempt = PaymentAttempt.objects.create(
        provider="btcpay", frequency=Frequency.MONTHLY, amount=500, currency="USD",
        email="pledger@example.org", campaign="ask-ru",
    )  # fmt: skip
    provider = BTCPayProvider()
    result = provider.start(attempt=attempt, payment_token="")
    attempt.provider_reference = result.reference
    attempt.save(update_fields=["provider_reference"])
    btcpay_standin.act(result.reference, "pay")
    attempt_confirm(attempt=attempt, facts=provider.confirm(attempt=attempt))
    return Pledge.objects.get()


def _next_month() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=32)


def test_a_monthly_crypto_gift_starts_a_pledge_and_counts_its_first_payment(pledge):
    assert (pledge.amount, pledge.currency, pledge.status) == (500, "USD", PledgeStatus.ACTIVE)
    assert pledge.supporter.email == "pledger@example.org"
    assert Contribution.objects.get().amount == 500
    figure = goal_figure_current()
    assert figure is not None and (figure.recurring, figure.one_off) == (0, 500)


def test_next_month_one_invoice_is_made_and_emailed_once(pledge, btcpay_standin):
    # when the job runs next month, three times (a retry, a second worker)
    sent = [pledges_invoice(today=_next_month()) for _ in range(3)]

    # then one new invoice, one email with its link and a stop link
    assert sent == [1, 0, 0]
    invoice = PledgeInvoice.objects.get()
    assert invoice.checkout_url.startswith(btcpay_standin.url + "/i/")
    [email] = mail.outbox
    assert email.to == ["pledger@example.org"]
    assert "this month's invoice" in email.subject
    assert invoice.checkout_url in email.body
    assert "/payments/btcpay/pledges/stop/" in email.body
    # and it counts only once paid
    assert goal_figure_current().one_off == 500  # type: ignore[union-attr]
    attempt = invoice.attempt
    assert attempt is not None
    btcpay_standin.act(attempt.provider_reference, "pay")
    attempt_confirm(attempt=attempt, facts=BTCPayProvider().confirm(attempt=attempt))
    assert Contribution.objects.count() == 2
    assert goal_figure_current().one_off == 1000  # type: ignore[union-attr]


def test_the_stop_link_ends_the_invoices(pledge, client):
    # given the first monthly email
    pledges_invoice(today=_next_month())
    stop = re.search(r"http\S+/payments/btcpay/pledges/stop/\S+/", str(mail.outbox[0].body))
    assert stop is not None
    path = stop.group(0).split("://", 1)[1].split("/", 1)[1]

    # when the reader opens the link (nothing changes yet) and presses the button
    shown = client.get("/" + path)
    assert shown.status_code == 200 and "Stop the invoices" in shown.content.decode()
    Pledge.objects.get(status=PledgeStatus.ACTIVE)
    stopped = client.post("/" + path)

    # then no invoice is made the month after
    assert "we will send no more invoices" in stopped.content.decode()
    assert pledges_invoice(today=_next_month() + datetime.timedelta(days=31)) == 0
    assert PledgeInvoice.objects.count() == 1
    assert len(mail.outbox) == 1


def test_the_supporters_manage_page_lists_the_pledge_and_stops_it(pledge, client):
    # given the pledger signed in on their manage page
    sign_in(client, pledge.supporter)
    page = client.get("/manage/").content.decode()
    stop = f"/manage/items/btcpay/{pledge.pk}/stop/"
    assert "$5 a month in crypto</h3>" in page and f'href="{stop}"' in page

    # when they confirm the stop there
    token = action_token(client.get(stop).content.decode(), "stop")
    client.post(stop, {"action_token": token})

    # then the page says so, and next month brings no invoice
    after = client.get("/manage/").content.decode()
    assert "we will send no more invoices" in after and stop not in after
    assert Pledge.objects.get().status == PledgeStatus.STOPPED
    assert pledges_invoice(today=_next_month()) == 0
    assert not PledgeInvoice.objects.exists()


def test_a_tampered_stop_link_is_not_found(pledge, client):
    assert client.post("/payments/btcpay/pledges/stop/not-a-token/").status_code == 404
    assert Pledge.objects.get().status == PledgeStatus.ACTIVE


def test_a_pledge_without_an_address_is_refused(btcpay_settings):
    attempt = PaymentAttempt.objects.create(
        provider="btcpay", frequency=Frequency.MONTHLY, amount=500, currency="USD", email=""
    )
    result = BTCPayProvider().start(attempt=attempt, payment_token="")
    assert result.outcome == "failed" and "needs your email" in result.message
    assert not Pledge.objects.exists()
