"""A crypto gift through BTCPay, in real Chromium: the give page sends the reader to the
invoice's checkout on the BTCPay stand-in, they pay there and come back thanked; BTCPay's
webhook and the reader's return both reach the ledger, which records the gift once."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from readerfund.payments.models import Contribution, ProviderEvent
from readerfund.tests.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("button", ["Pay in full", "Overpay"])
def test_a_reader_pays_a_btcpay_invoice_and_comes_back(
    live_server, page: Page, btcpay_webhooks, settings, browser_log, button
):
    settings.READERFUND_PUBLIC_URL = live_server.url
    # given a reader on the give page, where crypto is offered
    page.goto(live_server.url + "/give/?frequency=one_off&amount=1000")
    expect(page.get_by_label("Crypto (Bitcoin, Lightning)")).to_be_checked()
    page.get_by_label("Email").fill("crypto.reader@example.org")

    # when they give $10 and pay on BTCPay's checkout
    page.get_by_role("button", name="Give $10 once").click()
    expect(page.get_by_role("heading", name="Pay 10.00 USD")).to_be_visible()
    page.get_by_role("button", name=button).click()

    if button == "Pay in full":
        # then they are thanked, and the gift is recorded once, webhook and return alike
        expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
        wait_for(
            lambda: ProviderEvent.objects.filter(provider="btcpay", type="InvoiceSettled").exists(),
            "the InvoiceSettled webhook",
        )
        contribution = Contribution.objects.get()
        assert (contribution.provider, contribution.amount) == ("btcpay", 1000)
    else:
        # then an overpaid invoice is not credited by itself: the page says it is being
        # confirmed, and an admin reviews it
        expect(page.get_by_role("heading", name="We are confirming your payment…")).to_be_visible()
        assert not Contribution.objects.exists()
    assert browser_log.errors == []
