"""The supporter's page in real Chromium on Stripe plans, against localstripe: a new amount,
a new card (a SetupIntent confirmed by Stripe.js `confirmCardSetup`, 3-D Secure included),
and a cancellation; localstripe's signed webhooks reach the live server meanwhile and are
applied once more, changing nothing."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from readerfund.conftest import VISA, VISA_3DS, BrowserLog, LocalStripe
from readerfund.payments.emails import manage_url
from readerfund.payments.models import (
    Contribution,
    PlanStatus,
    ProviderEvent,
    RecurringPlan,
)
from readerfund.payments.providers.stripe.provider import StripeProvider
from readerfund.payments.services import attempt_confirm
from readerfund.payments.tests.conftest import DECLINED_ON_CHARGE, stripe_event
from readerfund.supporters.tests.conftest import local
from readerfund.tests.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _events(type: str) -> int:
    return ProviderEvent.objects.filter(provider="stripe", type=type).count()


@pytest.fixture
def plan(stripe_webhooks, localstripe: LocalStripe, make_attempt) -> RecurringPlan:
    """A $5 monthly Stripe plan, paid; its own webhooks already delivered, as they are long
    before a supporter opens the page from the receipt."""
    attempt = make_attempt(frequency="monthly", amount=500, email="card.reader@example.org")
    provider = StripeProvider()
    result = provider.start(attempt=attempt, payment_token=localstripe.card_token(VISA))
    attempt.provider_reference = result.reference
    attempt.save(update_fields=["provider_reference"])
    attempt_confirm(attempt=attempt, facts=provider.confirm(attempt=attempt))
    wait_for(lambda: _events("invoice.payment_succeeded") == 1, "the first invoice's webhook")
    wait_for(lambda: _events("customer.subscription.created") == 1, "the subscription webhook")
    return RecurringPlan.objects.get()


@pytest.fixture
def manage_page(live_server, page: Page, plan: RecurringPlan) -> Page:
    """The supporter's page, opened through the link in their receipt."""
    page.goto(live_server.url + local(manage_url(supporter_id=plan.supporter_id)))
    expect(page).to_have_url(live_server.url + "/manage/")
    expect(page.get_by_role("heading", name="$5 a month")).to_be_visible()
    return page


def _card(page: Page, field: str):
    """One input of localstripe's card element: number, exp_month, exp_year, cvc, postal_code."""
    return page.get_by_role("group", name="Card details").get_by_placeholder(field, exact=True)


def _enter_card(page: Page, number: str) -> None:
    _card(page, "number").fill(number)
    _card(page, "exp_month").fill("12")
    _card(page, "exp_year").fill("30")
    _card(page, "cvc").fill("123")
    _card(page, "postal_code").fill("12345")


def test_a_new_amount_in_the_browser(
    manage_page: Page, plan, localstripe, post_webhook, browser_log: BrowserLog
):
    # when the supporter sets $12.50 a month
    manage_page.get_by_label("New amount").fill("12.50")
    manage_page.get_by_role("button", name="Change amount").click()

    # then the page says so, Stripe bills $12.50 from the next period, the ledger agrees
    expect(manage_page.get_by_role("status")).to_contain_text("you give $12.50 a month")
    expect(manage_page.get_by_role("heading", name="$12.50 a month")).to_be_visible()
    subscription = localstripe.get(f"/v1/subscriptions/{plan.provider_plan_id}")
    assert subscription["items"]["data"][0]["plan"]["amount"] == 1250
    plan.refresh_from_db()
    assert plan.amount == 1250

    # and Stripe's customer.subscription.updated (which localstripe never sends: its real
    # subscription, in Stripe's signed envelope) is applied once more, changing nothing
    assert post_webhook(stripe_event("customer.subscription.updated", subscription)).json() == {
        "applied": True
    }
    plan.refresh_from_db()
    assert (plan.amount, plan.status) == (1250, PlanStatus.ACTIVE)
    assert Contribution.objects.count() == 1
    assert browser_log.errors == []


def _make_past_due(localstripe: LocalStripe, plan: RecurringPlan) -> dict[str, Any]:
    """The card on file starts failing and a renewal is not paid: an open invoice at
    Stripe, and the plan past due in the ledger (Stripe's event said so)."""
    subscription = localstripe.get(f"/v1/subscriptions/{plan.provider_plan_id}")
    customer = subscription["customer"]
    bad = localstripe.post(
        f"/v1/customers/{customer}/sources",
        {"source": localstripe.card_token(DECLINED_ON_CHARGE)},
    )
    localstripe.post(f"/v1/customers/{customer}", {"default_source": bad["id"]})
    invoice = localstripe.post(
        "/v1/invoices", {"customer": customer, "subscription": plan.provider_plan_id}
    )
    assert localstripe.post(f"/v1/invoices/{invoice['id']}/pay", {})["status"] == "open"
    RecurringPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.PAST_DUE)
    return dict(invoice)


def test_a_new_card_pays_what_is_due_and_becomes_the_plans_card(
    live_server, page: Page, plan, localstripe, browser_log: BrowserLog
):
    # given a plan whose renewal failed on the old card
    invoice = _make_past_due(localstripe, plan)
    page.goto(live_server.url + local(manage_url(supporter_id=plan.supporter_id)))
    expect(page.get_by_text("The last payment did not go through")).to_be_visible()

    # when the supporter enters a new card on their page
    page.get_by_role("button", name="Update card").click()
    expect(page.get_by_role("heading", name="Update your card")).to_be_visible()
    _enter_card(page, VISA)
    page.get_by_role("button", name="Save card").click()

    # then the card is the customer's default at Stripe, the open invoice is paid with it
    expect(page.get_by_role("status")).to_contain_text("Your new card is saved")
    [setup] = localstripe.get("/v1/setup_intents")["data"]
    assert setup["status"] == "succeeded"
    customer = localstripe.get(f"/v1/customers/{setup['customer']}")
    assert customer["invoice_settings"]["default_payment_method"] == setup["payment_method"]
    paid = localstripe.get(f"/v1/invoices/{invoice['id']}")
    assert paid["status"] == "paid"
    intent = localstripe.get(f"/v1/payment_intents/{paid['payment_intent']}")
    assert intent["payment_method"] == setup["payment_method"]

    # and the ledger has the plan active again with the recovered payment, once
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    recovered = Contribution.objects.get(provider_payment_id=paid["payment_intent"])
    assert (recovered.amount, recovered.plan_id) == (500, plan.pk)
    expect(page.get_by_text("Active", exact=True)).to_be_visible()

    # when localstripe's signed webhook about that invoice lands, nothing is doubled
    wait_for(lambda: _events("invoice.payment_succeeded") == 2, "the invoice's webhook")
    assert Contribution.objects.count() == 2
    assert browser_log.errors == []


def test_a_card_that_asks_for_3d_secure_is_authenticated_in_the_browser(
    manage_page: Page, plan, localstripe, browser_log: BrowserLog
):
    manage_page.get_by_role("button", name="Update card").click()
    _enter_card(manage_page, VISA_3DS)
    manage_page.get_by_role("button", name="Save card").click()

    # the bank's challenge (localstripe's modal) is accepted
    manage_page.get_by_role("button", name="Complete authentication").click()

    expect(manage_page.get_by_role("status")).to_contain_text("Your new card is saved")
    [setup] = localstripe.get("/v1/setup_intents")["data"]
    customer = localstripe.get(f"/v1/customers/{setup['customer']}")
    assert customer["invoice_settings"]["default_payment_method"] == setup["payment_method"]
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert Contribution.objects.count() == 1  # nothing was due, nothing was charged
    assert browser_log.errors == []


def test_a_refused_3d_secure_challenge_keeps_the_old_card(
    manage_page: Page, plan, localstripe, browser_log: BrowserLog
):
    manage_page.get_by_role("button", name="Update card").click()
    _enter_card(manage_page, VISA_3DS)
    manage_page.get_by_role("button", name="Save card").click()

    manage_page.get_by_role("button", name="Fail authentication").click()

    expect(manage_page.get_by_role("alert")).to_contain_text("The card could not be saved")
    [setup] = localstripe.get("/v1/setup_intents")["data"]
    customer = localstripe.get(f"/v1/customers/{setup['customer']}")
    assert customer["invoice_settings"]["default_payment_method"] is None
    assert browser_log.errors == []


def test_cancel_with_a_reason_in_the_browser(
    manage_page: Page, plan, localstripe, browser_log: BrowserLog
):
    # when the supporter cancels, saying why
    manage_page.get_by_role("link", name="Cancel…").click()
    manage_page.get_by_label("I'd rather give once in a while").check()
    manage_page.get_by_label("Anything else you would like us to know? (optional)").fill(
        "Thanks for the reporting."
    )
    manage_page.get_by_role("button", name="Cancel my regular gift").click()

    # then Stripe ends the subscription and the ledger says canceled, with the reason
    expect(manage_page.get_by_role("status")).to_contain_text("Your regular gift is canceled")
    expect(manage_page.get_by_text("Canceled", exact=True)).to_be_visible()
    subscription = localstripe.get(f"/v1/subscriptions/{plan.provider_plan_id}")
    assert subscription["status"] == "canceled"
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELED
    assert (plan.cancel_reason, plan.cancel_note) == ("once", "Thanks for the reporting.")

    # and localstripe's signed customer.subscription.deleted arrives and changes nothing
    wait_for(lambda: _events("customer.subscription.deleted") == 1, "the deletion webhook")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELED
    assert browser_log.errors == []
