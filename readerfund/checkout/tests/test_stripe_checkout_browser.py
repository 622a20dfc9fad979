"""Card gifts on the real give page, in real Chromium, against localstripe.

localstripe serves a stand-in for Stripe.js (its card element is five plain inputs, its
3-D Secure challenge a modal with two buttons) and posts signed webhooks to the live server,
so the browser's return and the webhook both reach the ledger, as in production.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from readerfund.conftest import DECLINED, VISA, VISA_3DS, BrowserLog, LocalStripe
from readerfund.payments.models import (
    AttemptStatus,
    Contribution,
    PaymentAttempt,
    ProviderEvent,
    RecurringPlan,
)
from readerfund.payments.tests.conftest import receipts_queued, stripe_event_wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def give_page(live_server, page: Page, stripe_webhooks: str) -> Page:
    """The give page with Stripe offered (keys set), webhooks going to the live server."""
    page.goto(live_server.url + "/give/")
    expect(page.get_by_role("radio", name="Card")).to_be_checked()
    expect(_card(page, "number")).to_be_enabled()
    return page


def _card(page: Page, field: str):
    """One input of localstripe's card element: number, exp_month, exp_year, cvc, postal_code."""
    return page.get_by_role("group", name="Card details").get_by_placeholder(field, exact=True)


def _choose(page: Page, name: str) -> None:
    """Picks a radio as a reader does: its input is visually hidden, its label is the button."""
    page.get_by_text(name, exact=True).click()
    expect(page.get_by_role("radio", name=name, exact=True)).to_be_checked()


def _give(page: Page, *, frequency: str, amount: str, number: str, button: str) -> None:
    _choose(page, frequency)
    _choose(page, amount)
    page.get_by_label("Email").fill("card.reader@example.org")
    _card(page, "number").fill(number)
    _card(page, "exp_month").fill("12")
    _card(page, "exp_year").fill("30")
    _card(page, "cvc").fill("123")
    _card(page, "postal_code").fill("12345")
    page.get_by_role("button", name=button).click()


def _page_errors(log: BrowserLog) -> list[str]:
    return list(log.errors)


def test_a_one_off_card_gift_is_recorded_once_by_return_and_webhook(
    give_page: Page, browser_log: BrowserLog, localstripe: LocalStripe
):
    # when a reader gives $5 once with a card
    _give(give_page, frequency="One-off", amount="$5", number=VISA, button="Give $5 once")

    # then they are thanked, and the gift is in the ledger once
    expect(give_page.get_by_role("heading", name="Thank you!")).to_be_visible()
    contribution = Contribution.objects.get()
    assert (contribution.amount, contribution.currency, contribution.frequency) == (
        500, "USD", "one_off",
    )  # fmt: skip
    assert contribution.provider == "stripe"
    assert contribution.provider_payment_id.startswith("pi_")
    # and when Stripe's signed webhook arrives too, nothing is counted twice
    stripe_event_wait("payment_intent.succeeded")
    assert Contribution.objects.count() == 1
    # (this payment's event, stored once: a late delivery of an earlier test's own event
    # may land here too, as localstripe cannot forget an endpoint)
    events = ProviderEvent.objects.filter(
        type="payment_intent.succeeded",
        payload__data__object__id=contribution.provider_payment_id,
    )
    assert events.count() == 1
    assert receipts_queued() == 1
    assert PaymentAttempt.objects.get().status == AttemptStatus.SUCCEEDED
    assert _page_errors(browser_log) == []


def test_a_monthly_card_gift_starts_an_active_plan(give_page: Page, browser_log: BrowserLog):
    _give(give_page, frequency="Monthly", amount="$2", number=VISA, button="Give $2 monthly")

    expect(give_page.get_by_role("heading", name="Thank you!")).to_be_visible()
    plan = RecurringPlan.objects.get()
    assert (plan.amount, plan.currency, plan.frequency, plan.status, plan.provider) == (
        200, "USD", "monthly", "active", "stripe",
    )  # fmt: skip
    assert plan.provider_plan_id.startswith("sub_")
    contribution = Contribution.objects.get()
    assert (contribution.amount, contribution.plan_id) == (200, plan.pk)
    # the first invoice's webhook changes nothing
    stripe_event_wait("invoice.payment_succeeded")
    assert Contribution.objects.count() == 1
    assert RecurringPlan.objects.get().status == "active"
    assert receipts_queued() == 1
    assert _page_errors(browser_log) == []


def test_a_3d_secure_card_authenticated_in_the_bank_challenge_gives(
    give_page: Page, browser_log: BrowserLog
):
    _give(give_page, frequency="One-off", amount="$5", number=VISA_3DS, button="Give $5 once")

    # the bank's challenge (localstripe's modal) is accepted
    give_page.get_by_role("button", name="Complete authentication").click()

    expect(give_page.get_by_role("heading", name="Thank you!")).to_be_visible()
    contribution = Contribution.objects.get()
    assert (contribution.amount, contribution.frequency) == (500, "one_off")
    stripe_event_wait("payment_intent.succeeded")
    assert Contribution.objects.count() == 1
    assert receipts_queued() == 1
    assert _page_errors(browser_log) == []


def test_a_refused_3d_secure_challenge_shows_an_error_and_records_nothing(
    give_page: Page, browser_log: BrowserLog, localstripe: LocalStripe
):
    _give(give_page, frequency="One-off", amount="$5", number=VISA_3DS, button="Give $5 once")

    give_page.get_by_role("button", name="Fail authentication").click()

    # the reader stays on the give page, told that it did not work, and may try again
    expect(give_page.get_by_role("alert")).to_contain_text("Nothing was charged")
    expect(give_page).to_have_url(re.compile(r"/give/$"))
    expect(give_page.get_by_role("button", name="Give $5 once")).to_be_enabled()
    assert not Contribution.objects.exists()
    assert PaymentAttempt.objects.get().status != AttemptStatus.SUCCEEDED
    [intent] = localstripe.get("/v1/payment_intents")["data"]
    assert intent["status"] == "requires_payment_method"
    assert receipts_queued() == 0
    assert _page_errors(browser_log) == []


def test_a_declined_card_shows_an_error_and_records_nothing(
    give_page: Page, browser_log: BrowserLog
):
    _give(give_page, frequency="One-off", amount="$5", number=DECLINED, button="Give $5 once")

    expect(give_page.get_by_role("alert")).to_contain_text("Your card was declined")
    expect(give_page.get_by_role("button", name="Give $5 once")).to_be_enabled()
    assert not Contribution.objects.exists()
    assert PaymentAttempt.objects.get().status == AttemptStatus.STARTED
    assert receipts_queued() == 0
    # the page reports the decline through its alert, not the console; the 402 answer is
    # the only console line Chromium writes about it
    assert [e for e in _page_errors(browser_log) if "402" not in e] == []
