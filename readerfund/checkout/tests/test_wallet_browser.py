"""Wallet gifts (Apple Pay, Google Pay) on the real give page, in real Chromium, against
localstripe.

A browser wallet has no local stand-in and localstripe's Stripe.js has no
`paymentRequest`, so each test installs one before the page loads, shaped like Stripe.js's
Payment Request (`canMakePayment`, `update`, `show`, the `token` and `cancel` events, an
event carrying `token`, `payerEmail`, `payerName`, `walletName` and `complete(status)`).
Only the wallet's sheet is stood in for: when the "reader approves" in it, the card token
is made by localstripe (through its Stripe.js's `createToken`), and the server charges it
through the real Stripe path, with localstripe's signed webhooks reaching the live server.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings

from readerfund.conftest import DECLINED, VISA, VISA_3DS, BrowserLog
from readerfund.payments.models import (
    AttemptStatus,
    Contribution,
    PaymentAttempt,
    RecurringPlan,
)
from readerfund.payments.tests.conftest import receipts_queued, stripe_event_wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOGLE_PAY = {"applePay": False, "googlePay": True, "link": False}
WALLET_EMAIL = "wallet.reader@example.org"
WALLET_NAME = "Wallet Reader"

# The stand-in for the browser's wallet, installed before any script of the page runs.
# localstripe's Stripe.js assigns the global `Stripe`; the setter below wraps what it
# assigns so that every Stripe instance gains `paymentRequest`.
WALLET_STAND_IN = """
(() => {
  const copy = (value) => JSON.parse(JSON.stringify(value));
  const state = (window.__wallet = {
    available: %(available)s,
    card: %(card)s,
    payer: { email: %(email)s, name: %(name)s },
    asked: 0,
    requests: [],
    updates: [],
    shown: [],
    // Kept for the tab's life: the page moves on to the thank-you page right after.
    completed: JSON.parse(sessionStorage.getItem("wallet-completed") || "[]"),
    showing: false,
    request: null,
  });

  class WalletStandIn {
    constructor(stripe, options) {
      this.stripe = stripe;
      this.options = copy(options);
      this.handlers = {};
      state.requests.push(copy(options));
      state.request = this;
    }
    canMakePayment() {
      state.asked += 1;
      return Promise.resolve(state.available && copy(state.available));
    }
    on(name, handler) {
      this.handlers[name] = handler;
    }
    update(change) {
      // As Stripe.js: no update while the sheet is showing.
      if (state.showing) throw new Error("update() while the payment sheet is showing");
      Object.assign(this.options, copy(change));
      state.updates.push(copy(change));
    }
    show() {
      if (state.showing) throw new Error("show() while the payment sheet is showing");
      state.showing = true;
      state.shown.push({ currency: this.options.currency, total: copy(this.options.total) });
    }
    /** The reader approves in the sheet: the wallet's card becomes a real localstripe token. */
    async approve() {
      const card = { number: state.card, exp_month: "12", exp_year: "2034", cvc: "123" };
      const result = await this.stripe.createToken({ value: { card } });
      if (result.error) throw new Error("localstripe refused the token: " + result.error.message);
      this.handlers.token({
        token: result.token,
        payerEmail: state.payer.email,
        payerName: state.payer.name,
        walletName: state.available.applePay ? "applePay" : "googlePay",
        complete: (status) => {
          state.completed.push(status);
          sessionStorage.setItem("wallet-completed", JSON.stringify(state.completed));
          state.showing = false;
        },
      });
    }
    /** The reader closes the sheet. */
    cancel() {
      state.showing = false;
      if (this.handlers.cancel) this.handlers.cancel();
    }
  }

  let wrapped;
  Object.defineProperty(window, "Stripe", {
    configurable: true,
    get: () => wrapped,
    set: (factory) => {
      wrapped = (...args) => {
        const instance = factory(...args);
        instance.paymentRequest = (options) => new WalletStandIn(instance, options);
        return instance;
      };
    },
  });
})();
"""


@pytest.fixture
def wallet_settings(stripe_settings: Settings) -> Settings:
    """Stripe against localstripe, with the account's country named: wallets may show."""
    stripe_settings.STRIPE_ACCOUNT_COUNTRY = "US"
    return stripe_settings


def _open(
    page: Page,
    url: str,
    *,
    available: dict[str, bool] | None,
    card: str = VISA,
    payer_email: str = WALLET_EMAIL,
) -> Page:
    """The give page in a browser whose wallet answers `canMakePayment()` with `available`."""
    page.add_init_script(
        WALLET_STAND_IN
        % {
            "available": json.dumps(available),
            "card": json.dumps(card),
            "email": json.dumps(payer_email),
            "name": json.dumps(WALLET_NAME),
        }
    )
    page.goto(url + "/give/")
    expect(page.get_by_role("radio", name="Card")).to_be_checked()
    return page


def _wallet(page: Page) -> dict[str, Any]:
    """What the stand-in wallet was asked and told so far."""
    return dict(
        page.evaluate("() => JSON.parse(JSON.stringify({...window.__wallet, request: null}))")
    )


def _choose(page: Page, name: str) -> None:
    page.get_by_text(name, exact=True).click()
    expect(page.get_by_role("radio", name=name, exact=True)).to_be_checked()


def _approve(page: Page) -> None:
    page.evaluate("() => window.__wallet.request.approve()")


WALLET_BUTTON = re.compile(r"with (Apple Pay|Google Pay|a card saved in your browser)$")


def test_without_a_wallet_in_the_browser_there_is_no_wallet_button(
    live_server, page: Page, wallet_settings: Settings, browser_log: BrowserLog
):
    _open(page, live_server.url, available=None)

    # the page asked once whether a wallet can pay, and shows nothing more when none can
    page.wait_for_function("() => window.__wallet.asked === 1")
    expect(page.get_by_role("button", name=WALLET_BUTTON)).to_have_count(0)
    expect(page.get_by_role("button", name="Give $5 monthly")).to_be_visible()
    assert list(browser_log.errors) == []


def test_without_the_stripe_account_country_no_wallet_is_offered(
    live_server, page: Page, stripe_settings: Settings, browser_log: BrowserLog
):
    _open(page, live_server.url, available=GOOGLE_PAY)

    expect(page.get_by_role("button", name="Give $5 monthly")).to_be_visible()
    expect(page.get_by_role("button", name=WALLET_BUTTON)).to_have_count(0)
    assert _wallet(page)["requests"] == []
    assert list(browser_log.errors) == []


@pytest.mark.parametrize(
    ("available", "label"),
    [
        ({"applePay": True, "googlePay": False, "link": False}, "Give $5 monthly with Apple Pay"),
        ({"applePay": False, "googlePay": True, "link": False}, "Give $5 monthly with Google Pay"),
        (
            {"applePay": False, "googlePay": False, "link": True},
            "Give $5 monthly with a card saved in your browser",
        ),
    ],
    ids=["apple-pay", "google-pay", "browser-card"],
)
def test_an_available_wallet_gets_a_button_named_after_it(
    live_server,
    page: Page,
    wallet_settings: Settings,
    browser_log: BrowserLog,
    available: dict[str, bool],
    label: str,
):
    _open(page, live_server.url, available=available)

    expect(page.get_by_role("button", name=label, exact=True)).to_be_visible()
    [request] = _wallet(page)["requests"]
    assert request == {
        "country": "US",
        "currency": "usd",
        "total": {"label": "Monthly gift to localhost", "amount": 500},
        "requestPayerEmail": True,
        "requestPayerName": True,
    }
    assert list(browser_log.errors) == []


def test_a_one_off_wallet_gift_is_thanked_and_recorded_once(
    live_server,
    page: Page,
    wallet_settings: Settings,
    stripe_webhooks: str,
    browser_log: BrowserLog,
):
    # given a reader with Google Pay who chooses $5 once, asks to stay anonymous and
    # leaves the email and name to the wallet
    _open(page, live_server.url, available=GOOGLE_PAY)
    _choose(page, "One-off")
    _choose(page, "$5")
    page.get_by_text("Keep my gift anonymous").click()

    # when they press the wallet button and approve in the wallet's sheet
    page.get_by_role("button", name="Give $5 once with Google Pay").click()
    page.wait_for_function("() => window.__wallet.showing")
    assert _wallet(page)["shown"] == [
        {"currency": "usd", "total": {"label": "Gift to localhost", "amount": 500}}
    ]
    _approve(page)

    # then they are thanked, the wallet was told it worked, and the gift is in the ledger
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    contribution = Contribution.objects.get()
    assert (contribution.amount, contribution.currency, contribution.frequency) == (
        500, "USD", "one_off",
    )  # fmt: skip
    assert contribution.provider == "stripe"
    assert contribution.provider_payment_id.startswith("pi_")
    assert _wallet(page)["completed"] == ["success"]
    attempt = PaymentAttempt.objects.get()
    assert (attempt.email, attempt.name, attempt.anonymous) == (WALLET_EMAIL, WALLET_NAME, True)
    assert attempt.status == AttemptStatus.SUCCEEDED
    # and Stripe's signed webhook changes nothing: one contribution, one receipt
    stripe_event_wait("payment_intent.succeeded")
    assert Contribution.objects.count() == 1
    assert receipts_queued() == 1
    assert list(browser_log.errors) == []


def test_a_monthly_wallet_gift_starts_an_active_plan_and_the_form_email_wins(
    live_server,
    page: Page,
    wallet_settings: Settings,
    stripe_webhooks: str,
    browser_log: BrowserLog,
):
    _open(page, live_server.url, available=GOOGLE_PAY)
    _choose(page, "Monthly")
    _choose(page, "$2")
    page.get_by_label("Email").fill("form.reader@example.org")

    page.get_by_role("button", name="Give $2 monthly with Google Pay").click()
    page.wait_for_function("() => window.__wallet.showing")
    assert _wallet(page)["shown"] == [
        {"currency": "usd", "total": {"label": "Monthly gift to localhost", "amount": 200}}
    ]
    _approve(page)

    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    plan = RecurringPlan.objects.get()
    assert (plan.amount, plan.currency, plan.frequency, plan.status, plan.provider) == (
        200, "USD", "monthly", "active", "stripe",
    )  # fmt: skip
    assert plan.provider_plan_id.startswith("sub_")
    # the email typed in the form is kept; the empty name comes from the wallet
    attempt = PaymentAttempt.objects.get()
    assert (attempt.email, attempt.name) == ("form.reader@example.org", WALLET_NAME)
    assert _wallet(page)["completed"] == ["success"]
    stripe_event_wait("invoice.payment_succeeded")
    assert Contribution.objects.count() == 1
    assert RecurringPlan.objects.get().status == "active"
    assert receipts_queued() == 1
    assert list(browser_log.errors) == []


def test_the_wallet_total_follows_amount_frequency_and_currency(
    live_server, page: Page, wallet_settings: Settings, browser_log: BrowserLog
):
    _open(page, live_server.url, available=GOOGLE_PAY)
    expect(page.get_by_role("button", name="Give $5 monthly with Google Pay")).to_be_visible()

    def last_update() -> dict[str, Any]:
        return dict(_wallet(page)["updates"][-1])

    _choose(page, "One-off")  # the one-off default is $10
    expect(page.get_by_role("button", name="Give $10 once with Google Pay")).to_be_visible()
    assert last_update() == {
        "currency": "usd",
        "total": {"label": "Gift to localhost", "amount": 1000},
    }

    page.get_by_label("Other amount").fill("12.50")
    expect(page.get_by_role("button", name="Give $12.50 once with Google Pay")).to_be_visible()
    assert last_update()["total"] == {"label": "Gift to localhost", "amount": 1250}

    _choose(page, "Annual")
    expect(page.get_by_role("button", name="Give $60 a year with Google Pay")).to_be_visible()
    assert last_update()["total"] == {"label": "Annual gift to localhost", "amount": 6000}

    page.get_by_label("Currency").select_option("EUR")
    expect(page.get_by_role("button", name="Give €60 a year with Google Pay")).to_be_visible()
    assert last_update() == {
        "currency": "eur",
        "total": {"label": "Annual gift to localhost", "amount": 6000},
    }

    # the sheet opens on exactly that total
    page.get_by_role("button", name="Give €60 a year with Google Pay").click()
    page.wait_for_function("() => window.__wallet.showing")
    assert _wallet(page)["shown"] == [
        {"currency": "eur", "total": {"label": "Annual gift to localhost", "amount": 6000}}
    ]
    # closing the sheet gives the button back, and the total follows again
    page.evaluate("() => window.__wallet.request.cancel()")
    _choose(page, "Monthly")
    expect(page.get_by_role("button", name="Give €5 monthly with Google Pay")).to_be_enabled()
    assert last_update()["total"] == {"label": "Monthly gift to localhost", "amount": 500}
    assert list(browser_log.errors) == []


@pytest.mark.parametrize(
    ("amount", "error"),
    [("0.50", "The smallest gift is $1."), ("20000", "For gifts above $10,000")],
    ids=["too-small", "too-large"],
)
def test_the_wallet_sheet_does_not_open_on_an_amount_the_server_refuses(
    live_server,
    page: Page,
    wallet_settings: Settings,
    browser_log: BrowserLog,
    amount: str,
    error: str,
):
    _open(page, live_server.url, available=GOOGLE_PAY)
    _choose(page, "One-off")
    page.get_by_label("Other amount").fill(amount)

    page.get_by_role("button", name=re.compile(r"once with Google Pay$")).click()

    expect(page.get_by_role("alert")).to_contain_text(error)
    expect(page.get_by_label("Other amount")).to_have_attribute("aria-invalid", "true")
    assert _wallet(page)["shown"] == []
    assert not PaymentAttempt.objects.exists()
    assert list(browser_log.errors) == []


def test_a_declined_wallet_card_fails_the_sheet_and_shows_the_error(
    live_server, page: Page, wallet_settings: Settings, browser_log: BrowserLog
):
    _open(page, live_server.url, available=GOOGLE_PAY, card=DECLINED)
    _choose(page, "One-off")
    _choose(page, "$5")

    page.get_by_role("button", name="Give $5 once with Google Pay").click()
    page.wait_for_function("() => window.__wallet.showing")
    _approve(page)

    # the wallet is told it failed; the reader reads why on the page and may try again
    expect(page.get_by_role("alert")).to_contain_text("Your card was declined")
    assert _wallet(page)["completed"] == ["fail"]
    expect(page.get_by_role("button", name="Give $5 once with Google Pay")).to_be_enabled()
    expect(page).to_have_url(re.compile(r"/give/$"))
    assert not Contribution.objects.exists()
    assert PaymentAttempt.objects.get().status != AttemptStatus.SUCCEEDED
    assert receipts_queued() == 0
    # the 402 answer is the only console line Chromium writes about it
    assert [e for e in browser_log.errors if "402" not in e] == []


def test_a_wallet_card_that_asks_for_3d_secure_is_authenticated_then_thanked(
    live_server,
    page: Page,
    wallet_settings: Settings,
    stripe_webhooks: str,
    browser_log: BrowserLog,
):
    _open(page, live_server.url, available=GOOGLE_PAY, card=VISA_3DS)
    _choose(page, "One-off")
    _choose(page, "$5")

    page.get_by_role("button", name="Give $5 once with Google Pay").click()
    page.wait_for_function("() => window.__wallet.showing")
    _approve(page)
    # the wallet's part is done; the bank's challenge (localstripe's modal) follows
    page.get_by_role("button", name="Complete authentication").click()

    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    assert _wallet(page)["completed"] == ["success"]
    contribution = Contribution.objects.get()
    assert (contribution.amount, contribution.frequency) == (500, "one_off")
    stripe_event_wait("payment_intent.succeeded")
    assert Contribution.objects.count() == 1
    assert receipts_queued() == 1
    assert list(browser_log.errors) == []


def test_the_wallet_button_is_on_the_page_only_when_stripe_is_offered(client, settings):
    # given the account's country but no Stripe keys: the sandbox stands in for cards
    settings.STRIPE_ACCOUNT_COUNTRY = "US"
    settings.STRIPE_SECRET_KEY = settings.STRIPE_PUBLISHABLE_KEY = ""
    sandbox_page = client.get("/give/").content.decode()
    assert 'id="wallet-button"' not in sandbox_page
    assert "stripe_wallet_country" not in sandbox_page

    # with Stripe set up, the (hidden) button and the country are there for give.js
    settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY = "sk_test_x", "pk_test_x"
    stripe_page = client.get("/give/").content.decode()
    assert 'id="wallet-button"' in stripe_page
    assert '"stripe_wallet_country": "US"' in stripe_page


def test_the_wallet_button_speaks_russian(client, stripe_settings: Settings):
    # passes once the Russian translations (/tmp/rf/po/wallets.po) are merged
    stripe_settings.STRIPE_ACCOUNT_COUNTRY = "US"
    page = client.get("/give/?lang=ru").content.decode()
    assert 'data-label-monthly="Помогать ежемесячно через {wallet}: {amount}"' in page
    assert 'data-total-monthly="Ежемесячное пожертвование {site}"' in page
    assert 'data-name-browser="карту, сохранённую в браузере"' in page
