"""Readers in Russia give in crypto, in real Chromium: the demo offers them crypto and bank
transfer (cards issued in Russia do not work abroad), and crypto without a trace."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from readerfund.campaigns.files import campaigns_load
from readerfund.checkout.tests.test_traceless import _stored_text
from readerfund.demo.selectors import newsroom_get
from readerfund.demo.services import DEMO_CAMPAIGNS
from readerfund.payments.models import Contribution, PaymentAttempt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTICLES = newsroom_get(lang="en").articles
AGENT = "Mozilla/5.0 (X11; Linux x86_64) ReaderInMoscow/7.1"


def _reader_in_russia(browser: Browser) -> BrowserContext:
    context = browser.new_context(
        locale="en-US", user_agent=AGENT, extra_http_headers={"CF-IPCountry": "RU"}
    )
    context.set_default_timeout(10_000)
    return context


def test_a_reader_in_russia_gives_crypto_from_the_ask_and_is_thanked(live_server, browser):
    campaigns_load(text=DEMO_CAMPAIGNS.read_text())
    context = _reader_in_russia(browser)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        # given a reader in Russia on their second article, where the ask shows
        page.goto(live_server.url + ARTICLES[0].url)
        expect(page.locator("html")).to_have_attribute("data-readerfund", "ready")
        page.goto(live_server.url + ARTICLES[1].url)
        ask = page.locator(".readerfund-ask")
        ask.get_by_role("link", name="Give $5 a month").click()

        # when the checkout offers them crypto and a bank transfer, no card
        methods = page.locator(".method__name")
        expect(methods).to_have_text(["Crypto (test mode)", "Bank transfer"])
        page.get_by_text("One-off", exact=True).click()
        page.get_by_label("Email").fill("reader.in.moscow@example.org")
        page.get_by_role("button", name="Give $10 once").click()

        # and they pay the test invoice
        expect(page.get_by_role("heading", name="Test crypto invoice")).to_be_visible()
        page.get_by_role("button", name="Pay $10 in crypto (test)").click()

        # then they are thanked, and the ledger holds the gift from the ask
        expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
        contribution = Contribution.objects.get()
        assert (contribution.provider, contribution.amount, contribution.currency) == (
            "btcpay_test", 1000, "USD",
        )  # fmt: skip
        assert (contribution.campaign, contribution.channel) == ("end-of-article-ask", "ask")
        assert errors == []
    finally:
        context.close()


def test_an_anonymous_crypto_gift_stores_no_email_name_ip_or_browser(live_server, browser):
    context = _reader_in_russia(browser)
    try:
        page = context.new_page()
        # given a reader in Russia who would rather leave no trace
        page.goto(live_server.url + "/give/?frequency=one_off&amount=500")
        page.get_by_label("Name (optional)").fill("Ivan Petrov")

        # when they choose to give without a trace, the page says what is kept and lost
        page.get_by_label("Give without leaving a trace").check()
        expect(
            page.get_by_text("We store only the amount and the time of your gift")
        ).to_be_visible()
        expect(page.get_by_label("Email")).to_be_hidden()
        page.get_by_role("button", name="Give $5 once").click()
        page.get_by_role("button", name="Pay $5 in crypto (test)").click()

        # then they are thanked without a receipt, and nothing names or locates them
        expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
        expect(page.get_by_text("we kept nothing about you")).to_be_visible()
        contribution = Contribution.objects.get()
        assert contribution.supporter is None and contribution.amount == 500
        attempt = PaymentAttempt.objects.get()
        assert (attempt.email, attempt.name, attempt.return_to) == ("", "", "")
        stored = _stored_text()
        for trace in ("Ivan Petrov", "127.0.0.1", AGENT, "ReaderInMoscow"):
            assert trace not in stored, trace
    finally:
        context.close()
