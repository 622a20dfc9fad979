"""Bank transfers credited from a statement, in real Chromium: readers choose bank
transfer, the admin uploads the bank's statement on the "Bank statements" page, the exact
payment is credited at once (one receipt, the goal grows) and a short one is assigned from
the review list in two clicks."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Page, expect

from readerfund.goals.services import goal_figure_current, goal_set
from readerfund.payments.models import Contribution, ContributionStatus
from readerfund.payments.statements.tests.samples import camt053_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JSON = {"Accept": "application/json"}


def _bank_transfer(email: str, amount: str) -> str:
    """A reader gives by bank transfer on the give page; returns the reference shown."""
    client = Client()
    client.get("/give/")
    client.post(
        "/give/start",
        {"frequency": "one_off", "currency": "USD", "amount": amount, "email": email,
         "method": "bank_transfer", "consent": "on"},
        headers=JSON,
    )  # fmt: skip
    return Contribution.objects.get(supporter__email=email).provider_payment_id


def _run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)


def _upload(page: Page, url: str, path: str) -> None:
    page.goto(url + "/admin/statements/statement/")
    page.get_by_label("Statement file").set_input_files(path)
    page.get_by_role("button", name="Import").click()


def test_an_admin_imports_a_statement_and_assigns_a_short_payment(
    live_server, page: Page, tmp_path, browser_log
):
    # given a $10,000 goal and two readers who chose bank transfer: $25 and $10
    goal_set(monthly_cost=1_000_000, currency="USD", rates={})
    maria = _bank_transfer("maria@example.org", "25")
    pavel = _bank_transfer("pavel@example.org", "10")
    before = goal_figure_current()
    # and the bank's statement: Maria's $25 with her reference broken over two lines in
    # lower case, and $7 from Pavel (short of his $10)
    statement = tmp_path / "camt053-2024-03-04.xml"
    statement.write_bytes(
        camt053_file([
            ("25.00", "USD", ["Donation " + maria[:7].lower(), maria[7:].lower()]),
            ("7.00", "USD", [pavel]),
        ])
    )  # fmt: skip
    get_user_model().objects.create_superuser("operator", "op@newsroom.example", "pw")

    # when the admin logs in and uploads it on the Bank statements page
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("operator")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    _upload(page, live_server.url, str(statement))

    # then Maria's transfer is credited and Pavel's $7 waits for review
    expect(page.get_by_text("1 transfers credited")).to_be_visible()
    expect(page.get_by_role("heading", name="1 payment to review")).to_be_visible()

    # when the admin chooses Pavel's transfer for the $7 and presses Credit (two clicks)
    page.get_by_label("Transfer that the payment of $7 is for").select_option(pavel)
    page.get_by_role("button", name="Credit").click()

    # then Pavel's transfer is received with the $7 that arrived; nothing is left to review
    expect(page.get_by_text(f"Credited: {pavel} is received, $7")).to_be_visible()
    expect(page.get_by_role("heading", name="0 payments to review")).to_be_visible()

    # when the same statement is uploaded again
    _upload(page, live_server.url, str(statement))

    # then nothing is credited twice, each reader gets one receipt, and the goal grew by $32
    expect(page.get_by_text("0 transfers credited")).to_be_visible()
    expect(page.get_by_text("2 imported before")).to_be_visible()
    _run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == ["maria@example.org", "pavel@example.org"]
    statuses = set(Contribution.objects.values_list("status", flat=True))
    assert statuses == {ContributionStatus.SUCCEEDED}
    after = goal_figure_current()
    assert before is not None and after is not None
    assert after.bank_transfers - before.bank_transfers == 3200
    assert browser_log.errors == []
