"""Test money never reaches a production ledger or the public goal (issue 13, finding 1).

Production without Stripe keys offers no test card; the sandbox's own pages and webhook
refuse; only an explicit READERFUND_TEST_MODE=on brings the sandbox back, and then every
page says so and its money stays out of the goal."""

from __future__ import annotations

import pytest
from django.core import checks
from django.test import Client

from readerfund.campaigns.playbook import playbook_rebuild
from readerfund.goals.services import goal_refresh, goal_set
from readerfund.payments.models import Contribution, PaymentAttempt
from readerfund.payments.providers.sandbox.provider import SIGNATURE_HEADER, SandboxProvider

pytestmark = pytest.mark.django_db

JSON = {"Accept": "application/json"}
NO_METHOD = "No payment method is available right now."


def _production(settings, *, test_mode: bool) -> None:
    settings.PRODUCTION = True
    settings.READERFUND_TEST_MODE = test_mode
    settings.READERFUND_BANK_DETAILS = []  # production's default: no bank transfer
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""


def _start_sandbox_gift(client: Client, amount: str = "100") -> str:
    """Starts a one-off sandbox gift; returns the sandbox page's address."""
    client.get("/give/")
    started = client.post(
        "/give/start",
        {"frequency": "one_off", "currency": "USD", "amount": amount, "consent": "on",
         "email": "reader@example.org", "name": "A Reader", "method": "sandbox"},
        headers=JSON,
    )  # fmt: skip
    assert started.status_code == 200, started.content
    return str(started.json()["next"])


def test_production_without_keys_offers_no_test_card(client, settings):
    # given production with no Stripe keys and test mode not declared
    _production(settings, test_mode=False)

    # when a reader opens the give page
    body = client.get("/give/").content.decode()

    # then there is no card at all, no test mode, and the page says nothing can be paid
    assert 'value="sandbox"' not in body
    assert "Test mode" not in body
    assert NO_METHOD in body


def test_production_refuses_to_start_a_sandbox_payment(client, settings):
    _production(settings, test_mode=False)
    client.get("/give/")

    started = client.post(
        "/give/start",
        {"frequency": "one_off", "currency": "USD", "amount": "100", "consent": "on",
         "email": "reader@example.org", "name": "A Reader", "method": "sandbox"},
        headers=JSON,
    )  # fmt: skip

    assert started.status_code == 400
    assert not PaymentAttempt.objects.exists()


def test_production_refuses_the_sandbox_pay_page_and_the_goal_stays_put(client, settings):
    # given a sandbox attempt left from before, and a goal
    goal_set(monthly_cost=1_000_000, currency="USD", rates={})
    sandbox_page = _start_sandbox_gift(client)
    # when production runs without test mode and someone presses "Pay" on that page
    _production(settings, test_mode=False)
    shown = client.get(sandbox_page)
    paid = client.post(sandbox_page, {"outcome": "pay"})

    # then it is refused, nothing is recorded and the goal shows nothing raised
    assert shown.status_code == 404
    assert paid.status_code == 404
    assert not Contribution.objects.exists()
    figure = goal_refresh()
    assert figure is not None and figure.raised == 0


def test_production_refuses_a_signed_sandbox_webhook(client, settings):
    # given a sandbox attempt and a correctly signed "payment succeeded" event for it
    sandbox_page = _start_sandbox_gift(client)
    attempt = PaymentAttempt.objects.get()
    body, signature = SandboxProvider().event_for(attempt=attempt, paid=True)
    assert sandbox_page
    _production(settings, test_mode=False)

    # when it is posted to the webhook endpoint in production without test mode
    response = client.post(
        "/payments/webhooks/sandbox/",
        body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: signature},
    )

    # then it is refused and writes nothing
    assert response.status_code == 404
    assert not Contribution.objects.exists()


def test_production_with_test_mode_on_labels_pages_and_keeps_test_money_out_of_the_goal(
    client, settings
):
    # given production that declared READERFUND_TEST_MODE=on, with a goal of $10,000
    _production(settings, test_mode=True)
    goal_set(monthly_cost=1_000_000, currency="USD", rates={})

    # when a tester gives $100 once through the test card
    give_page = client.get("/give/").content.decode()
    sandbox_page = _start_sandbox_gift(client)
    paid = client.post(sandbox_page, {"outcome": "pay"})
    thanks = client.get(paid["Location"])
    unrelated_page = client.get("/manage/").content.decode()

    # then the pages say "Test mode", the gift is in the ledger, and the goal ignores it
    assert 'value="sandbox"' in give_page and "Test mode" in give_page
    assert "Test mode" in thanks.content.decode()
    assert "Test mode" in unrelated_page
    assert Contribution.objects.get().amount == 10000
    figure = goal_refresh()
    assert figure is not None and figure.raised == 0
    playbook_rebuild()  # on commit in production; the test's transaction never commits
    assert client.get("/api/goal.json").json()["goal"] is None  # nothing raised: no figure


def test_the_demo_still_counts_sandbox_gifts_toward_its_goal(client):
    goal_set(monthly_cost=1_000_000, currency="USD", rates={})
    sandbox_page = _start_sandbox_gift(client, amount="25")
    client.post(sandbox_page, {"outcome": "pay"})

    figure = goal_refresh()

    assert figure is not None and figure.raised == 2500


def test_a_production_start_without_a_real_provider_says_so(settings):
    _production(settings, test_mode=False)

    messages = {message.id: message.msg for message in checks.run_checks()}

    assert "No real payment provider is set up" in messages["readerfund.W001"]
    assert "readerfund.W002" not in messages


def test_a_production_start_in_test_mode_says_so(settings):
    _production(settings, test_mode=True)
    settings.READERFUND_BANK_DETAILS = ["IBAN: DE00 0000"]

    messages = {message.id: message.msg for message in checks.run_checks()}

    assert "readerfund.W001" not in messages
    assert "READERFUND_TEST_MODE is on" in messages["readerfund.W002"]


@pytest.mark.parametrize("test_mode", [True, False])
def test_the_admin_says_test_mode_exactly_when_production_declared_it(
    admin_client, settings, test_mode
):
    # given production, with or without READERFUND_TEST_MODE
    _production(settings, test_mode=test_mode)

    # when an editor opens the admin's front page and the ledger
    pages = [admin_client.get(path) for path in ("/admin/", "/admin/payments/contribution/")]

    # then each says "Test mode" when, and only when, test mode was declared
    for page in pages:
        assert page.status_code == 200
        assert ("Test mode — no real money moves." in page.content.decode()) is test_mode
