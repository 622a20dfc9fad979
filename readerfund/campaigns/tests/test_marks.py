"""The ask's payment marks tell the truth: only methods the reader's checkout offers."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from readerfund.campaigns.files import CampaignFileError, campaigns_load
from readerfund.campaigns.playbook import embed_strings, playbook_document
from readerfund.demo.selectors import newsroom_get
from readerfund.demo.services import DEMO_CAMPAIGNS

ARTICLES = newsroom_get(lang="en").articles
ONE_ASK = """version: 1
campaigns:
  - slug: marked-ask
    name: An ask with marks
    channel: ask
    status: live
    variants:
      - key: control
        heading: Give
        cta: {label: Support us, url: /give/}
        payment_marks: [%s]
"""


@pytest.mark.django_db
def test_the_playbook_carries_the_marks_offered_per_country_in_the_checkouts_order(settings):
    # given cards (the sandbox stands in without Stripe keys) and bank transfers for
    # everyone, bank transfers alone in Russia
    settings.READERFUND_PAYMENT_METHODS = {
        "RU": ["bank_transfer"],
        "*": ["stripe", "bank_transfer"],
    }

    methods = playbook_document()["methods"]

    assert methods == {"*": ["visa", "mastercard", "bank"], "RU": ["bank"]}


@pytest.mark.django_db
def test_a_variant_cannot_add_a_mark_no_checkout_offers(settings):
    settings.READERFUND_PAYMENT_METHODS = {"*": ["stripe", "bank_transfer"]}

    with pytest.raises(CampaignFileError) as raised:
        campaigns_load(text=ONE_ASK % "visa, paypal")

    errors = "\n".join(raised.value.errors)
    assert "variants[0].payment_marks: paypal: no reader's checkout offers it" in errors
    assert "visa:" not in errors
    # and narrowing is fine
    campaigns_load(text=ONE_ASK % "bank")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("country", ["RU", "DE"])
def test_the_ask_shows_the_marks_of_the_methods_its_checkout_offers_in_order(
    live_server, browser: Browser, country
):
    # given the demo's campaigns and its default methods (crypto and bank transfer in Russia)
    campaigns_load(text=DEMO_CAMPAIGNS.read_text())
    label_to_mark = {label: mark for mark, label in embed_strings()["en"]["marks"].items()}
    context = browser.new_context(locale="en-US", extra_http_headers={"CF-IPCountry": country})
    try:
        page = context.new_page()
        # when a reader in that country reads a second article
        page.goto(live_server.url + ARTICLES[0].url)
        page.goto(live_server.url + ARTICLES[1].url)
        ask = page.locator(".readerfund-ask")
        marks = ask.get_by_role("list", name="Payment methods").get_by_role("listitem")
        expect(marks.first).to_be_visible()
        shown = [label_to_mark[text] for text in marks.all_inner_texts()]

        # then they are exactly the marks of the methods the checkout offers, in its order
        ask.get_by_role("link", name="Give").click()
        checkout = page.locator(".methods .mark").evaluate_all(
            "marks => marks.map(m => m.className.replace('mark mark--', ''))"
        )
        assert shown == checkout
        expected = (
            ["crypto", "bank"] if country == "RU" else ["visa", "mastercard", "crypto", "bank"]
        )
        assert shown == expected
    finally:
        context.close()
