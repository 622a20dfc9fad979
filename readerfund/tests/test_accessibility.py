"""Accessibility measured: axe-core (node_modules/axe-core, installed by scripts/bootstrap.sh)
finds no WCAG 2.2 A/AA violation on any screen a reader meets — the demo article with the
banner, the notice and the ask (light and dark), the reminder form, the checkout with each
method (card, crypto, bank transfer; the card form as Stripe.js draws it, with a wallet's
button and after a declined card), the test payment, the test crypto invoice, the thanks
page, the bank-transfer page and the supporter's manage pages — in English and Russian, on a
desktop and a phone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.fixtures import Settings

from readerfund.campaigns.files import campaigns_load
from readerfund.checkout.tests.test_wallet_browser import GOOGLE_PAY, WALLET_STAND_IN
from readerfund.conftest import DECLINED, VISA
from readerfund.demo.selectors import newsroom_get
from readerfund.demo.services import DEMO_CAMPAIGNS
from readerfund.payments.emails import manage_url
from readerfund.payments.models import RecurringPlan
from readerfund.payments.providers.btcpay.tests.fixtures import crypto_pledge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN_AXE = """(tags) => axe.run(document, {runOnly: {type: "tag", values: tags}})
  .then((result) => result.violations.map((v) => v.id + " (" + v.help + "): " +
    v.nodes.map((n) => n.target.join(" > ")).join(", ")))"""
CARD_DECLINED = {"en": "Your card was declined.", "ru": "Карта отклонена."}
DEVICES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


def _checkout_methods(page: Page, server: str, lang: str) -> list[str | None]:
    """Opens the checkout for a $10 one-off gift; the methods it offers, in its order."""
    page.goto(server + f"/give/?amount=1000&frequency=one_off&currency=USD&lang={lang}")
    methods = page.locator("input[name=method]")
    expect(methods).to_have_count(3)
    return [method.get_attribute("value") for method in methods.all()]


def violations(page: Page) -> list[str]:
    """axe's WCAG 2.2 A/AA violations on the page as it is now, shadow roots included."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE))
    found: list[str] = page.evaluate(RUN_AXE, WCAG_22_AA)
    return found


@pytest.fixture
def reader(browser: Browser, request) -> Any:
    device, lang = request.node.callspec.params["device"], request.node.callspec.params["lang"]
    # bypass_csp: axe is injected into pages whose CSP admits only their own scripts
    context = browser.new_context(**DEVICES[device], locale=lang, bypass_csp=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_every_screen_a_reader_meets_passes_axe(live_server, reader: Page, device, lang):
    page = reader
    campaigns_load(text=DEMO_CAMPAIGNS.read_text())
    articles = newsroom_get(lang=lang).articles
    page.set_extra_http_headers({"CF-IPCountry": "RU"})
    found: dict[str, list[str]] = {}

    # the article with the banner, the notice and the ask, light and dark
    page.goto(live_server.url + articles[0].url)
    page.goto(live_server.url + articles[1].url)
    ask = page.locator(".readerfund-ask")
    expect(ask.get_by_role("heading")).to_be_visible()
    expect(page.locator(".readerfund-top div.m")).to_have_count(2)
    found["article"] = violations(page)
    # (reloaded: the site's colour transitions would be measured halfway)
    page.emulate_media(color_scheme="dark")
    page.reload()
    expect(ask.get_by_role("heading")).to_be_visible()
    found["article, dark"] = violations(page)
    page.emulate_media(color_scheme="light")
    page.reload()
    expect(ask.get_by_role("heading")).to_be_visible()
    if device == "phone":
        page.locator(".readerfund-top").locator("button.open").click()
        found["article, banner opened"] = violations(page)

    # the reminder form
    ask.locator("button.sec").click()
    expect(ask.get_by_role("form")).to_be_visible()
    found["reminder form"] = violations(page)

    # the checkout with each method: a reader outside Russia is offered a card (the test-mode
    # stand-in here; the card form itself in test_the_card_checkout_passes_axe), crypto (its
    # test-mode stand-in) and a bank transfer
    page.set_extra_http_headers({"CF-IPCountry": "DE"})
    assert _checkout_methods(page, live_server.url, lang) == [
        "sandbox", "btcpay_test", "bank_transfer",
    ]  # fmt: skip
    for method in ("sandbox", "btcpay_test", "bank_transfer"):
        page.locator(f"label[for=method-{method}]").click()
        expect(page.locator(f"#method-{method}")).to_be_checked()
        found[f"checkout, {method}"] = violations(page)

    # the bank-transfer page
    page.locator("input[type=email]").fill("transfer@example.org")
    page.locator("#give-submit").click()
    expect(page.locator("main")).to_contain_text("DE00")
    found["bank transfer"] = violations(page)

    # the test crypto invoice of a one-off gift
    page.goto(live_server.url + f"/give/?amount=1000&frequency=one_off&currency=USD&lang={lang}")
    page.locator("label[for=method-btcpay_test]").click()
    page.locator("input[type=email]").fill("crypto@example.org")
    page.locator("#give-submit").click()
    expect(page.locator("button[value=pay]")).to_be_visible()
    found["test crypto invoice"] = violations(page)

    # the test payment of a monthly gift, then thanks
    page.goto(live_server.url + f"/give/?amount=1000&frequency=monthly&currency=USD&lang={lang}")
    page.locator("label[for=method-sandbox]").click()
    page.locator("input[type=email]").fill("monthly@example.org")
    page.locator("#give-submit").click()
    pay = page.locator("button[value=pay]")
    expect(pay).to_be_visible()
    found["test payment"] = violations(page)
    pay.click()
    expect(page.locator("h1")).to_be_visible()
    assert "/give/thanks/" in page.url
    found["thanks"] = violations(page)

    # the supporter's manage pages, with a crypto pledge beside the card plan
    plan = RecurringPlan.objects.get(supporter__email="monthly@example.org")
    pledge = crypto_pledge(email="monthly@example.org")
    link = urlsplit(manage_url(supporter_id=plan.supporter_id, language=lang))
    page.goto(f"{live_server.url}{link.path}?{link.query}")
    expect(page.locator("form.plan__amount")).to_be_visible()
    expect(page.locator(f"a[href$='/items/btcpay_test/{pledge.pk}/stop/']")).to_be_visible()
    found["manage"] = violations(page)
    page.goto(live_server.url + f"/manage/items/btcpay_test/{pledge.pk}/stop/")
    assert page.url.endswith(f"/items/btcpay_test/{pledge.pk}/stop/")  # asked, not redirected
    found["manage, stop a pledge"] = violations(page)
    page.goto(live_server.url + f"/manage/plans/{plan.pk}/cancel/")
    found["manage, cancel"] = violations(page)
    page.goto(live_server.url + "/manage/erase/")
    found["manage, erase"] = violations(page)

    assert {screen: v for screen, v in found.items() if v} == {}


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_card_checkout_passes_axe(
    live_server, reader: Page, stripe_settings: Settings, device, lang
):
    # given Stripe set up (against localstripe, whose Stripe.js draws the card fields into
    # the page, not into a frame) and a browser whose wallet can pay (the stand-in of
    # test_wallet_browser), so the wallet's button shows too
    stripe_settings.STRIPE_ACCOUNT_COUNTRY = "US"
    page = reader
    page.add_init_script(
        WALLET_STAND_IN
        % {"available": json.dumps(GOOGLE_PAY), "card": json.dumps(VISA),
           "email": json.dumps(""), "name": json.dumps("")}
    )  # fmt: skip
    found: dict[str, list[str]] = {}

    # when a reader of the `*` rule opens the checkout (no country header here: Chromium would
    # send it to localstripe too, whose CORS answer does not allow it), the card comes first
    assert _checkout_methods(page, live_server.url, lang) == [
        "stripe", "btcpay_test", "bank_transfer",
    ]  # fmt: skip
    # and they pick the card after looking at another method: the card form is drawn
    page.locator("label[for=method-bank_transfer]").click()
    expect(page.locator("#card-element-wrap")).to_be_hidden()
    page.locator("label[for=method-stripe]").click()
    expect(page.locator("#method-stripe")).to_be_checked()
    card = page.locator("#card-element input")
    expect(card).to_have_count(5)
    expect(card.first).to_be_enabled()
    expect(page.locator("#wallet-button")).to_be_visible()
    found["checkout, card"] = violations(page)

    # and the card they enter is declined: the checkout says so above the form
    page.locator("input[type=email]").fill("card@example.org")
    for field, value in zip(
        ("number", "exp_month", "exp_year", "cvc", "postal_code"),
        (DECLINED, "12", "30", "123", "12345"),
        strict=True,
    ):
        card.and_(page.locator(f"[placeholder={field}]")).fill(value)
    page.locator("#give-submit").click()
    expect(page.locator("#give-alert")).to_contain_text(CARD_DECLINED[lang])
    found["checkout, card declined"] = violations(page)

    # then axe finds nothing on either screen
    assert {screen: v for screen, v in found.items() if v} == {}
