"""A reader gives from an ask, in real Chromium: ask → checkout → test payment → back, no asks."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from readerfund.campaigns.files import campaigns_load
from readerfund.demo.selectors import newsroom_get
from readerfund.demo.services import DEMO_CAMPAIGNS
from readerfund.payments.models import Contribution, PaymentAttempt, RecurringPlan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTICLES = newsroom_get(lang="en").articles


def test_a_reader_gives_monthly_from_the_ask_and_asks_stop(live_server, page: Page, browser_log):
    campaigns_load(text=DEMO_CAMPAIGNS.read_text())
    # given a reader on their second article, where the ask shows
    page.goto(live_server.url + ARTICLES[0].url)
    expect(page.locator("html")).to_have_attribute("data-readerfund", "ready")  # view counted
    page.goto(live_server.url + ARTICLES[1].url)
    ask = page.locator(".readerfund-ask")

    # when they pick $10 a month in the ask and follow it
    ask.get_by_role("button", name="$10").click()
    ask.get_by_role("link", name="Give $10 a month").click()

    # then the checkout has the amount and frequency preselected, stated on the button
    pay = page.get_by_role("button", name="Give $10 monthly")
    expect(pay).to_be_visible()
    page.get_by_label("Email").fill("monthly.reader@example.org")
    pay.click()
    expect(page.get_by_role("heading", name="Test payment")).to_be_visible()  # the sandbox page
    page.get_by_role("button", name="Pay $10 (test)").click()

    # and the thank-you page leads back to reading, where asks no longer show
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    page.get_by_role("link", name="Back to reading").click()
    expect(page.locator("html")).to_have_attribute("data-readerfund", "ready")
    page.goto(live_server.url + ARTICLES[2].url)
    expect(page.locator("html")).to_have_attribute("data-readerfund", "ready")
    expect(page.locator(".readerfund-host")).to_have_count(0)

    plan = RecurringPlan.objects.get()
    assert (plan.amount, plan.currency, plan.frequency, plan.status) == (
        1000, "USD", "monthly", "active",
    )  # fmt: skip
    contribution = Contribution.objects.get()
    assert (contribution.campaign, contribution.channel) == ("end-of-article-ask", "ask")
    assert browser_log.errors == []


def test_the_checkout_reports_a_too_small_amount_without_leaving_the_page(live_server, page: Page):
    page.goto(live_server.url + "/give/?frequency=monthly")
    page.get_by_label("Other amount").fill("1")
    page.get_by_label("Email").fill("reader@example.org")
    page.get_by_role("button", name="Give $1 monthly").click()
    expect(page.get_by_role("alert")).to_contain_text("$2")
    assert not Contribution.objects.exists()


@pytest.mark.parametrize(
    ("currency", "typed", "button", "minor"),
    [
        ("KWD", "1.250", "Give KWD\u00a01.250 monthly", 1250),
        ("JPY", "500", "Give ¥500 monthly", 500),
    ],
)
def test_the_page_reads_amounts_with_the_currency_s_own_decimals(
    live_server, page: Page, browser_log, jpy_and_kwd_offered, currency, typed, button, minor
):
    # given a reader who chooses a currency without two decimals
    page.goto(live_server.url + "/give/?frequency=monthly")
    page.get_by_label("Currency").select_option(currency)

    # when they type an amount in its own decimals
    page.get_by_label("Other amount").fill(typed)
    page.get_by_label("Email").fill("reader@example.org")

    # then the button states it, and the server records that many minor units
    page.get_by_role("button", name=button).click()
    expect(page.get_by_role("heading", name="Test payment")).to_be_visible()  # the sandbox page
    attempt = PaymentAttempt.objects.get()
    assert (attempt.amount, attempt.currency) == (minor, currency)
    assert browser_log.errors == []


def test_the_page_refuses_more_decimals_than_the_currency_has(
    live_server, page: Page, jpy_and_kwd_offered
):
    page.goto(live_server.url + "/give/?frequency=monthly")
    page.get_by_label("Currency").select_option("JPY")
    page.get_by_label("Other amount").fill("500.50")
    page.get_by_label("Email").fill("reader@example.org")

    page.get_by_role("button", name="Give monthly").click()

    expect(page.locator("#amount-error")).to_have_text("Enter an amount, like 5 or 12.50.")
    assert not PaymentAttempt.objects.exists()
