"""Bank statements credit bank transfers by themselves: MT940 and camt.053/054 files as
banks write them, each entry applied once however often it is imported, exact matches
credited, everything else kept for an admin."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command

from readerfund.goals.services import goal_figure_current, goal_set
from readerfund.payments.models import Contribution, ContributionStatus, PlanStatus, RecurringPlan
from readerfund.payments.statements.models import Outcome, Reason, Statement, StatementEntry
from readerfund.payments.statements.services import (
    AssignRefused,
    entry_assign,
    standing_orders_lapse,
    statement_import,
)
from readerfund.payments.statements.tests.samples import (
    FILES,
    Credit,
    mt940_file,
    pending_transfer,
    pending_transfers_many,
    references,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def transfers():
    """Three readers chose bank transfer: €25, €10 and €5; a fourth £20."""
    return {
        "RF-AB12-CD34": pending_transfer("RF-AB12-CD34", amount=2500, email="maria@example.org"),
        "RF-5678-9ABC": pending_transfer("RF-5678-9ABC", amount=1000, email="pavel@example.org"),
        "RF-0F0F-1234": pending_transfer("RF-0F0F-1234", amount=500),
        "RF-C0DE-0001": pending_transfer("RF-C0DE-0001", amount=2000, currency="GBP"),
    }


def _status(reference: str) -> str:
    return Contribution.objects.get(provider_payment_id=reference).status


def _import(name: str):
    return statement_import(data=(FILES / name).read_bytes(), filename=name)


def test_a_camt053_statement_credits_the_transfers_it_pays_and_keeps_the_rest_for_review(
    transfers,
):
    # when the day's statement is imported
    report = _import("camt053.xml")

    # then the two exact payments are received, whatever the bank did to their reference
    # (lower case and broken over two lines; spaces in a structured reference)
    assert _status("RF-AB12-CD34") == ContributionStatus.SUCCEEDED
    assert _status("RF-5678-9ABC") == ContributionStatus.SUCCEEDED
    # the €3 of a €5 transfer and the €50 without a reference wait for an admin
    assert _status("RF-0F0F-1234") == ContributionStatus.PENDING
    review = {e.amount: e.reason for e in StatementEntry.objects.filter(outcome=Outcome.REVIEW)}
    assert review == {300: Reason.PARTIAL, 5000: Reason.NO_REFERENCE}
    # the fee (a debit) and the entry not yet booked are no gifts
    assert (report.credited, report.to_review, report.debits) == (2, 2, 1)
    assert _status("RF-C0DE-0001") == ContributionStatus.PENDING


def test_the_same_file_twice_or_an_overlapping_notification_changes_nothing_twice(transfers):
    # given the day's statement, imported
    _import("camt053.xml")

    # when it is imported again, and then the evening's notification that repeats an entry
    again = _import("camt053.xml")
    notification = _import("camt054.xml")

    # then nothing of the statement is applied twice
    assert (again.credited, again.to_review, again.known) == (0, 0, 4)
    # and the notification adds only its new entry: the £20 transfer
    assert (notification.known, notification.credited) == (1, 1)
    assert _status("RF-C0DE-0001") == ContributionStatus.SUCCEEDED
    assert StatementEntry.objects.count() == 5


def test_an_mt940_statement_credits_a_transfer_whose_reference_the_bank_cut_in_two(transfers):
    # when a statement whose :86: text splits the reference over ?20 and ?21 is imported
    report = _import("statement.sta")

    # then the €25 transfer is received and the €50 without reference is for review
    assert _status("RF-AB12-CD34") == ContributionStatus.SUCCEEDED
    assert (report.format, report.credited, report.to_review, report.debits) == (
        "mt940", 1, 1, 1,
    )  # fmt: skip
    assert StatementEntry.objects.get(outcome=Outcome.REVIEW).payer == "ANONYMOUS FRIEND"


@pytest.mark.django_db(transaction=True)
def test_a_transfer_credited_by_a_statement_sends_one_receipt_and_grows_the_goal(transfers):
    # given a goal of €10,000 a month
    goal_set(monthly_cost=1_000_000, currency="EUR", rates={"GBP": Decimal("1.17")})
    before = goal_figure_current()

    # when the statement is imported twice and the worker runs
    _import("camt053.xml")
    _import("camt053.xml")
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)

    # then Maria and Pavel each got one receipt, and this month's figure holds their €35
    receipts = sorted(m.to[0] for m in mail.outbox)
    assert receipts == ["maria@example.org", "pavel@example.org"]
    after = goal_figure_current()
    assert before is not None and after is not None
    assert after.bank_transfers - before.bank_transfers == 3500


def test_an_over_payment_and_another_currency_go_to_review(transfers):
    # when €12 arrives for the €10 transfer and €5 for the £20 one
    statement_import(
        data=mt940_file([
            Credit(datetime.date(2024, 3, 4), "12,00", "RF-5678-9ABC"),
            Credit(datetime.date(2024, 3, 4), "5,00", "RF-C0DE-0001"),
        ]),
        filename="march.sta",
    )  # fmt: skip

    # then neither is credited; the admin sees why
    assert _status("RF-5678-9ABC") == _status("RF-C0DE-0001") == ContributionStatus.PENDING
    reasons = set(StatementEntry.objects.values_list("reason", flat=True))
    assert reasons == {Reason.OVER, Reason.CURRENCY}


def test_an_admin_assigns_a_partial_payment_and_the_transfer_is_received_with_what_arrived(
    transfers,
):
    # given €3 arrived for the €5 transfer and waits for review
    _import("camt053.xml")
    partial = StatementEntry.objects.get(reason=Reason.PARTIAL)

    # when the admin assigns it to that transfer (typed as the reader might have)
    contribution = entry_assign(entry_id=partial.pk, reference="rf 0f0f 1234")

    # then the transfer is received with the €3 that arrived, and the entry is resolved
    contribution.refresh_from_db()
    assert (contribution.status, contribution.amount) == (ContributionStatus.SUCCEEDED, 300)
    partial.refresh_from_db()
    assert (partial.outcome, partial.contribution_id) == (Outcome.ASSIGNED, contribution.pk)
    # and a second assignment of the same entry is refused
    with pytest.raises(AssignRefused, match="already dealt with"):
        entry_assign(entry_id=partial.pk, reference="RF-5678-9ABC")


def test_a_standing_order_becomes_a_monthly_plan_that_lapses_when_the_money_stops(settings):
    # given a reader who chose a €25 bank transfer and set up a standing order
    settings.READERFUND_STANDING_ORDER_GRACE_DAYS = 10
    pending_transfer("RF-AB12-CD34", amount=2500)
    goal_set(monthly_cost=1_000_000, currency="EUR", rates={})

    # when March's and April's statements arrive, each with the same reference
    for day in (datetime.date(2024, 3, 4), datetime.date(2024, 4, 4)):
        statement_import(data=mt940_file([Credit(day, "25,00", "RF-AB12-CD34")]), filename="s")

    # then the reader has a monthly plan of €25 that counts toward the goal
    plan = RecurringPlan.objects.get(provider="bank_transfer", provider_plan_id="RF-AB12-CD34")
    assert (plan.status, plan.frequency, plan.amount) == (PlanStatus.ACTIVE, "monthly", 2500)
    figure = goal_figure_current()
    assert figure is not None and figure.recurring == 2500
    assert plan.payments.count() == 1

    # when no payment comes for a month and the grace period
    last = plan.payments.get().received_at
    assert last is not None
    assert standing_orders_lapse(now=last + datetime.timedelta(days=40)) == 0
    assert standing_orders_lapse(now=last + datetime.timedelta(days=42)) == 1

    # then the plan lapsed and stopped counting
    plan.refresh_from_db()
    assert (plan.status, plan.cancel_reason) == (PlanStatus.CANCELED, "lapsed")
    figure = goal_figure_current()
    assert figure is not None and figure.recurring == 0


def test_the_same_reference_twice_in_a_week_is_no_standing_order():
    # given a received €25 transfer
    pending_transfer("RF-AB12-CD34", amount=2500)
    statement_import(
        data=mt940_file([Credit(datetime.date(2024, 3, 4), "25,00", "RF-AB12-CD34")]),
        filename="a",
    )

    # when the reader sends it again three days later (by mistake, or not)
    report = statement_import(
        data=mt940_file([Credit(datetime.date(2024, 3, 7), "25,00", "RF AB12 CD34")]),
        filename="b",
    )

    # then an admin decides; no plan is made
    assert report.to_review == 1
    assert StatementEntry.objects.get(outcome=Outcome.REVIEW).reason == Reason.REPEAT
    assert not RecurringPlan.objects.exists()


def test_ten_thousand_entries_are_credited_once_each():
    # given 10,000 pending transfers and a statement that pays them all
    codes = references(10_000)
    pending_transfers_many(codes, amount=500)
    day = datetime.date(2024, 3, 4)
    data = mt940_file(
        Credit(day, "5,00", f"DONATION {reference}", bank_reference=f"B{n:06d}")
        for n, reference in enumerate(codes)
    )

    # when it is imported, then imported again
    first = statement_import(data=data, filename="big.sta")
    second = statement_import(data=data, filename="big.sta")

    # then every transfer is received once
    assert (first.entries, first.credited, first.to_review) == (10_000, 10_000, 0)
    assert (second.known, second.credited) == (10_000, 0)
    assert Contribution.objects.filter(status=ContributionStatus.SUCCEEDED).count() == 10_000
    assert Statement.objects.count() == 2


BATCH_BOOKING = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>N1</MsgId><CreDtTm>2024-03-04T10:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>N1</Id><Acct><Id><Othr><Id>0532013000</Id></Othr></Id></Acct>
<Ntry><Amt Ccy="EUR">35.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-03-04</Dt></BookgDt><AcctSvcrRef>BATCH-77</AcctSvcrRef>
<NtryDtls>
<TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">25.00</Amt></TxAmt></AmtDtls>
<RmtInf><Ustrd>RF-AB12-CD34</Ustrd></RmtInf></TxDtls>
<TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">10.00</Amt></TxAmt></AmtDtls>
<RmtInf><Strd><CdtrRefInf><Ref>RF56789ABC</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>
</NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>
"""


def test_a_batch_booking_credits_each_transfer_it_carries(transfers):
    # when one booked entry of €35 carries two transfers, €25 and €10
    report = statement_import(data=BATCH_BOOKING, filename="batch.xml")

    # then each is credited on its own
    assert report.credited == 2
    assert _status("RF-AB12-CD34") == _status("RF-5678-9ABC") == ContributionStatus.SUCCEEDED
