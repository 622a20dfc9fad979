"""A supporter's data rights: the export holds everything and nobody else's data; erasure
leaves no trace of the person anywhere in the database but keeps every amount; abandoned
checkouts forget the reader after the retention period."""

from __future__ import annotations

import datetime
import json
from collections import Counter
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models
from django.db.models.functions import Cast
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from readerfund.checkout.services import checkout_start
from readerfund.core.periodic import periodic_tasks, periodic_tasks_ensure
from readerfund.payments.models import (
    AttemptStatus,
    Contribution,
    PaymentAttempt,
    PlanStatus,
    ProviderEvent,
    RecurringPlan,
)
from readerfund.payments.privacy import (
    RETENTION_EVERY,
    abandoned_checkouts_purge,
    retention_periodically,
)
from readerfund.payments.providers.sandbox.provider import SIGNATURE_HEADER
from readerfund.payments.registry import provider_get
from readerfund.payments.services import attempt_confirm, provider_event_apply
from readerfund.payments.tests.conftest import VISA, WEBHOOK_PATH, stripe_signature
from readerfund.reminders.models import Reminder
from readerfund.reminders.services import reminder_request
from readerfund.supporters.models import Supporter
from readerfund.supporters.privacy import (
    ErasureBlocked,
    erased_email,
    supporter_erase,
    supporter_export,
)
from readerfund.tests.processes import free_port

pytestmark = pytest.mark.django_db

ALICE = "alice.liddell@example.org"
ALICE_NAME = "Alice Liddell"
BOB = "bob.dodgson@example.org"
REMIND_ON = datetime.date(2031, 5, 1)


def sandbox_gift(
    email: str,
    *,
    name: str = "",
    amount: int = 500,
    currency: str = "USD",
    frequency: str = "one_off",
    paid: bool = True,
) -> PaymentAttempt:
    """A gift through the sandbox as a reader makes it: checkout, then the signed event."""
    provider = provider_get("sandbox")
    assert provider is not None
    data = {
        "frequency": frequency, "amount_minor": amount, "currency": currency, "email": email,
        "name": name, "consent": True, "campaign": "ask-2025", "variant": "b",
        "channel": "ask", "return_to": f"https://news.example/2025/read-by-{email}",
    }  # fmt: skip
    attempt = checkout_start(data=data, provider=provider, language="en").attempt
    if paid:
        body, signature = provider.event_for(attempt=attempt, paid=True)  # type: ignore[attr-defined]
        event = provider.parse_webhook(body=body, headers={SIGNATURE_HEADER: signature})
        provider_event_apply(provider="sandbox", event=event)
    attempt.refresh_from_db()
    return attempt


def rows_mentioning(text: str) -> list[str]:
    """Every row of every table that holds `text` in any text or JSON column."""
    found = []
    tables = set(connection.introspection.table_names())
    for model in apps.get_models():
        if model._meta.db_table not in tables:
            continue  # a model of work in progress, without its migration yet: no rows
        query = models.Q()
        annotations = {}
        for field in model._meta.concrete_fields:
            if isinstance(field, models.JSONField):
                annotations[f"_{field.name}_text"] = Cast(field.name, models.TextField())
                query |= models.Q(**{f"_{field.name}_text__icontains": text})
            elif isinstance(field, models.CharField | models.TextField):
                query |= models.Q(**{f"{field.name}__icontains": text})
        if query:
            rows = model._default_manager.annotate(**annotations).filter(query)
            found += [f"{model._meta.label} {pk}" for pk in rows.values_list("pk", flat=True)]
    return found


def money_by_currency() -> Counter[tuple[str, str]]:
    totals: Counter[tuple[str, str]] = Counter()
    for contribution in Contribution.objects.all():
        totals[(contribution.currency, contribution.status)] += contribution.amount
    for plan in RecurringPlan.objects.all():
        totals[(plan.currency, "plan " + plan.frequency)] += plan.amount
    return totals


@pytest.fixture
def alice() -> Supporter:
    """Two one-off gifts in two currencies and a monthly plan, which she paused with a note,
    a checkout she gave up on and an email reminder; and Bob, another supporter."""
    sandbox_gift(ALICE, name=ALICE_NAME, amount=500, currency="USD")
    sandbox_gift(ALICE, name=ALICE_NAME, amount=1000, currency="EUR")
    sandbox_gift(ALICE, name=ALICE_NAME, amount=300, currency="USD", frequency="monthly")
    sandbox_gift(ALICE, name=ALICE_NAME, amount=2500, currency="USD", paid=False)
    sandbox_gift(BOB, name="Bob Dodgson", amount=700, currency="GBP")
    RecurringPlan.objects.filter(supporter__email=ALICE).update(
        cancel_reason="too_expensive", cancel_note="Money is tight, back in spring — Alice"
    )
    reminder_request(email=ALICE, remind_on=REMIND_ON, language="en", campaign="ask-2025")
    reminder_request(email=BOB, remind_on=REMIND_ON, language="en")
    return Supporter.objects.get(email=ALICE)


# ---- export ------------------------------------------------------------------------------


def test_the_export_holds_every_gift_plan_and_checkout_of_the_supporter(alice):
    exported = supporter_export(alice)

    # JSON as it is, no special encoder
    text = json.dumps(exported)
    assert json.loads(text) == exported
    assert (exported["format"], exported["version"]) == ("readerfund.supporter-export", 1)
    exported_at = datetime.datetime.fromisoformat(exported["exported_at"])
    assert abs(timezone.now() - exported_at) < datetime.timedelta(minutes=1)
    assert exported["supporter"] | {"created_at": None} == {
        "email": ALICE, "name": ALICE_NAME, "language": "en", "email_consent": True,
        "created_at": None, "erased_at": None,
    }  # fmt: skip
    gifts = sorted(
        (c["amount"], c["currency"], c["amount_formatted"], c["frequency"], c["status"])
        for c in exported["contributions"]
    )
    assert gifts == [
        (300, "USD", "$3", "monthly", "succeeded"),
        (500, "USD", "$5", "one_off", "succeeded"),
        (1000, "EUR", "€10", "one_off", "succeeded"),
    ]
    assert {(c["campaign"], c["variant"], c["channel"]) for c in exported["contributions"]} == {
        ("ask-2025", "b", "ask")
    }
    assert all(c["received_at"] and c["refunded_amount"] == 0 for c in exported["contributions"])
    [plan] = exported["recurring_plans"]
    assert (plan["amount"], plan["currency"], plan["frequency"], plan["status"]) == (
        300, "USD", "monthly", "active",
    )  # fmt: skip
    assert plan["cancel_reason"] == "too_expensive"
    assert plan["cancel_note"] == "Money is tight, back in spring — Alice"
    [monthly_gift] = [c for c in exported["contributions"] if c["frequency"] == "monthly"]
    assert monthly_gift["plan"] == plan["provider_plan_id"]
    attempts = exported["payment_attempts"]
    assert sorted((a["amount"], a["status"]) for a in attempts) == [
        (300, "succeeded"), (500, "succeeded"), (1000, "succeeded"), (2500, "started"),
    ]  # fmt: skip
    assert {(a["email"], a["name"]) for a in attempts} == {(ALICE, ALICE_NAME)}
    assert {a["return_to"] for a in attempts} == {f"https://news.example/2025/read-by-{ALICE}"}
    [reminder] = exported["reminders"]
    assert (reminder["email"], reminder["remind_on"]) == (ALICE, "2031-05-01")
    assert len(exported["provider_events"]) == 3  # the sandbox's three payment events
    # nobody else's data
    assert BOB not in text and "Bob" not in text and "GBP" not in text


def test_the_export_formats_amounts_in_the_supporters_language(alice):
    Supporter.objects.filter(pk=alice.pk).update(language="ru")
    alice.refresh_from_db()

    exported = supporter_export(alice)

    formatted = {c["amount_formatted"] for c in exported["contributions"]}
    assert formatted == {"3\xa0$", "5\xa0$", "10\xa0€"}


# ---- erasure -----------------------------------------------------------------------------


def test_erasure_leaves_no_trace_of_the_person_and_keeps_every_amount(alice):
    # given
    money_before = money_by_currency()
    assert rows_mentioning(ALICE)  # the search finds her before
    assert rows_mentioning(ALICE_NAME)
    bob_before = supporter_export(Supporter.objects.get(email=BOB))

    # when
    supporter_erase(alice)

    # then no row anywhere holds her address, her name or the note she wrote
    assert rows_mentioning(ALICE) == []
    assert rows_mentioning(ALICE_NAME) == []
    assert rows_mentioning("Money is tight") == []
    assert rows_mentioning("read-by-alice") == []
    alice.refresh_from_db()
    assert alice.email == erased_email(alice.pk) == f"erased-{alice.pk}@erased.invalid"
    assert (alice.name, alice.email_consent) == ("", False)
    assert alice.erased_at is not None
    # the accounts are whole: every amount, currency and status, and the attribution
    assert money_by_currency() == money_before
    assert Contribution.objects.filter(supporter=alice).count() == 3
    assert set(
        Contribution.objects.filter(supporter=alice).values_list("campaign", "variant", "channel")
    ) == {("ask-2025", "b", "ask")}
    # her plan no longer charges; why she paused stays, what she wrote does not
    plan = RecurringPlan.objects.get(supporter=alice)
    assert plan.status == PlanStatus.CANCELED
    assert plan.canceled_at is not None
    assert (plan.cancel_reason, plan.cancel_note) == ("too_expensive", "")
    # her checkouts keep amounts and attribution, not who or where from
    attempts = PaymentAttempt.objects.exclude(email=BOB)
    assert attempts.count() == 4
    assert {(a.email, a.name, a.return_to) for a in attempts} == {(alice.email, "", "")}
    assert {a.campaign for a in attempts} == {"ask-2025"}
    # her reminder is gone, Bob's stays
    assert list(Reminder.objects.values_list("email", flat=True)) == [BOB]
    # Bob is untouched
    bob_after = supporter_export(Supporter.objects.get(email=BOB))
    assert {k: v for k, v in bob_after.items() if k != "exported_at"} == {
        k: v for k, v in bob_before.items() if k != "exported_at"
    }


def test_erasure_redacts_the_providers_messages_that_name_the_person(alice):
    # given a Stripe refund message that names her payment and, as a card holder, her name
    # (differently cased), and one about Bob's payment
    payment = Contribution.objects.filter(supporter=alice, currency="EUR").get()
    bob_payment = Contribution.objects.get(supporter__email=BOB)
    refund = ProviderEvent.objects.create(
        provider="stripe", event_id="evt_refund_1", type="charge.refunded",
        payload={"data": {"object": {
            "payment_intent": payment.provider_payment_id, "amount_refunded": 1000,
            "billing_details": {"name": "alice liddell", "email": None},
            "receipt_email": ALICE.upper(), "description": "Gift",
        }}},
    )  # fmt: skip
    bobs = ProviderEvent.objects.create(
        provider="stripe", event_id="evt_refund_2", type="charge.refunded",
        payload={"data": {"object": {
            "payment_intent": bob_payment.provider_payment_id,
            "billing_details": {"name": "Bob Dodgson"},
        }}},
    )  # fmt: skip
    bobs_payload = bobs.payload

    # when
    supporter_erase(alice)

    # then her name and address are gone from the copy; ids and amounts stay
    refund.refresh_from_db()
    charge = refund.payload["data"]["object"]
    assert charge["billing_details"] == {"name": "", "email": None}
    assert charge["receipt_email"] == erased_email(alice.pk)
    assert (charge["payment_intent"], charge["amount_refunded"], charge["description"]) == (
        payment.provider_payment_id, 1000, "Gift",
    )  # fmt: skip
    bobs.refresh_from_db()
    assert bobs.payload == bobs_payload


ANNE = "anne@gmail.com"
MARIANNE = "marianne@gmail.com"


def payload_text(event: ProviderEvent) -> str:
    """The payload exactly as the database stores it."""
    stored = ProviderEvent.objects.annotate(text=Cast("payload", models.TextField()))
    return str(stored.get(pk=event.pk).text)


@pytest.fixture
def namesakes() -> dict[str, list[ProviderEvent]]:
    """Anne and Marianne, whose address ends in Anne's, both giving as "Anne Martin",
    and the provider's messages about each of them (Anne's address differently cased)."""
    sandbox_gift(ANNE, name="Anne Martin")
    sandbox_gift(MARIANNE, name="Anne Martin", currency="EUR")
    event = ProviderEvent.objects.create
    return {
        ANNE: [
            event(
                provider="stripe", event_id="evt_anne_1", type="customer.updated",
                payload={"data": {"object": {"email": "Anne@Gmail.com", "name": "Anne Martin"}}},
            ),
            event(
                provider="stripe", event_id="evt_anne_2", type="invoice.sent",
                payload={"customer_name": "anne martin", "description": "Receipt to "
                         "<ANNE@gmail.com>, copy to joanne@gmail.com"},
            ),
        ],
        MARIANNE: [
            event(
                provider="stripe", event_id="evt_marianne_1", type="customer.updated",
                payload={"data": {"object": {"email": MARIANNE, "name": "Anne Martin"}}},
            ),
            event(
                provider="stripe", event_id="evt_marianne_2", type="invoice.sent",
                payload={"customer_name": "Anne Martin", "customer_email": "Marianne@Gmail.com",
                         "note": "mailto:marianne@gmail.com.example"},
            ),
        ],
    }  # fmt: skip


def test_erasing_an_address_leaves_a_longer_address_that_ends_in_it_untouched(namesakes):
    # given
    marianne = Supporter.objects.get(email=MARIANNE)
    marianne_events = {e.pk: payload_text(e) for e in namesakes[MARIANNE]}
    marianne_export = supporter_export(marianne)
    anne = Supporter.objects.get(email=ANNE)

    # when
    supporter_erase(anne)

    # then Marianne's stored messages are exactly as they were, her export too
    assert {e.pk: payload_text(e) for e in namesakes[MARIANNE]} == marianne_events
    marianne.refresh_from_db()
    assert (marianne.email, marianne.name) == (MARIANNE, "Anne Martin")
    after = supporter_export(marianne)
    assert {k: v for k, v in after.items() if k != "exported_at"} == {
        k: v for k, v in marianne_export.items() if k != "exported_at"
    }
    # and Anne's, whatever the case of her address, lost her address and her name
    placeholder = erased_email(anne.pk)
    first, second = (ProviderEvent.objects.get(pk=e.pk).payload for e in namesakes[ANNE])
    assert first == {"data": {"object": {"email": placeholder, "name": ""}}}
    assert second == {
        "customer_name": "",
        "description": f"Receipt to <{placeholder}>, copy to joanne@gmail.com",
    }


def test_the_export_lists_only_the_messages_about_the_supporters_own_address(namesakes):
    def event_ids(email: str) -> set[str]:
        exported = supporter_export(Supporter.objects.get(email=email))
        return {e["event_id"] for e in exported["provider_events"]}

    def paid(email: str) -> str:  # the sandbox's event of the gift
        return f"evt_{PaymentAttempt.objects.get(email=email).public_id.hex}_paid"

    assert event_ids(ANNE) == {paid(ANNE), "evt_anne_1", "evt_anne_2"}
    assert event_ids(MARIANNE) == {paid(MARIANNE), "evt_marianne_1", "evt_marianne_2"}


def test_a_message_about_a_payment_whose_id_begins_with_the_supporters_is_not_theirs(
    namesakes,
):
    # given Anne's payment pay_7 and a refund of Marianne's pay_77, to "Anne Martin"
    Contribution.objects.filter(supporter__email=ANNE).update(provider_payment_id="pay_7")
    Contribution.objects.filter(supporter__email=MARIANNE).update(provider_payment_id="pay_77")
    refund = ProviderEvent.objects.create(
        provider="sandbox", event_id="evt_refund_77", type="charge.refunded",
        payload={"payment": "pay_77", "billing_details": {"name": "Anne Martin"}},
    )  # fmt: skip
    before = payload_text(refund)
    anne = Supporter.objects.get(email=ANNE)

    # when / then
    exported = supporter_export(anne)
    assert "evt_refund_77" not in {e["event_id"] for e in exported["provider_events"]}
    supporter_erase(anne)
    assert payload_text(refund) == before


@pytest.mark.django_db(transaction=True)
def test_a_receipt_still_queued_at_erasure_is_not_sent(mailoutbox):
    sandbox_gift(ALICE, name=ALICE_NAME)  # its receipt waits for the worker
    supporter_erase(Supporter.objects.get(email=ALICE))

    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)

    assert mailoutbox == []
    assert Contribution.objects.get().amount == 500


def test_erasing_twice_is_harmless(alice):
    supporter_erase(alice)
    first = Supporter.objects.get(pk=alice.pk)
    money = money_by_currency()

    supporter_erase(alice)

    again = Supporter.objects.get(pk=alice.pk)
    assert (again.email, again.name, again.erased_at) == (first.email, "", first.erased_at)
    assert money_by_currency() == money
    assert rows_mentioning(ALICE) == []


def test_a_later_gift_from_the_same_address_makes_a_new_supporter(alice):
    supporter_erase(alice)

    sandbox_gift(ALICE, name=ALICE_NAME, amount=200)

    fresh = Supporter.objects.get(email=ALICE)
    assert fresh.pk != alice.pk
    assert fresh.erased_at is None
    assert [c.amount for c in fresh.contributions.all()] == [200]
    assert Contribution.objects.filter(supporter=alice).count() == 3


def test_a_plan_no_provider_here_can_cancel_blocks_the_erasure(alice):
    # given a plan of a provider this installation no longer has
    RecurringPlan.objects.create(
        supporter=alice, provider="gone", provider_plan_id="gone_1", frequency="monthly",
        amount=400, currency="USD", status=PlanStatus.ACTIVE,
    )  # fmt: skip

    # when / then
    with pytest.raises(ErasureBlocked, match="gone_1"):
        supporter_erase(alice)
    alice.refresh_from_db()
    assert (alice.email, alice.name, alice.erased_at) == (ALICE, ALICE_NAME, None)
    assert PaymentAttempt.objects.filter(email=ALICE).count() == 4


# ---- erasure with Stripe (localstripe) ----------------------------------------------------


def stripe_plan(localstripe, client, email: str) -> PaymentAttempt:
    """A $3 monthly plan through the Stripe provider; Stripe's invoice event delivered."""
    provider = provider_get("stripe")
    assert provider is not None
    attempt = PaymentAttempt.objects.create(
        provider="stripe", frequency="monthly", amount=300, currency="USD", email=email,
        name=ALICE_NAME, campaign="ask-2025", variant="b", channel="ask",
        return_to="https://news.example/2025/story-of-alice",
    )  # fmt: skip
    result = provider.start(attempt=attempt, payment_token=localstripe.card_token(VISA))
    assert result.outcome == "succeeded"
    attempt.provider_reference = result.reference
    attempt.save(update_fields=["provider_reference"])
    attempt_confirm(attempt=attempt, facts=provider.confirm(attempt=attempt))
    for event in localstripe.events("invoice.payment_succeeded"):
        post_signed(client, event)
    return attempt


def post_signed(client, event: dict[str, Any]) -> None:
    body = json.dumps(event).encode()
    response = client.post(
        WEBHOOK_PATH,
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": stripe_signature(body)},
    )
    assert response.status_code == 200, response.content


def test_erasure_cancels_the_stripe_plan_and_redacts_stripes_messages(
    stripe_settings, localstripe, client
):
    # given a monthly plan at Stripe whose invoice event names the supporter
    attempt = stripe_plan(localstripe, client, ALICE)
    supporter = Supporter.objects.get(email=ALICE)
    event = ProviderEvent.objects.get(type="invoice.payment_succeeded")
    assert ALICE in json.dumps(event.payload)

    # when
    supporter_erase(supporter)

    # then Stripe stopped the subscription, and the ledger says so
    subscription = localstripe.get(f"/v1/subscriptions/{attempt.provider_reference}")
    assert subscription["status"] == "canceled"
    plan = RecurringPlan.objects.get()
    assert (plan.status, plan.amount) == (PlanStatus.CANCELED, 300)
    assert Contribution.objects.get().amount == 300
    # the stored copy of Stripe's message keeps its ids and amounts, not the address
    event.refresh_from_db()
    assert ALICE not in json.dumps(event.payload)
    assert erased_email(supporter.pk) in json.dumps(event.payload)
    assert event.payload["data"]["object"]["amount_paid"] == 300
    assert rows_mentioning(ALICE) == []
    assert rows_mentioning(ALICE_NAME) == []

    # and Stripe's cancellation event, arriving afterwards, changes nothing of that
    for deleted in localstripe.events("customer.subscription.deleted"):
        post_signed(client, deleted)
    assert RecurringPlan.objects.get().status == PlanStatus.CANCELED
    assert rows_mentioning(ALICE) == []


def test_when_stripe_cannot_be_reached_nothing_is_erased(stripe_settings, localstripe, client):
    # given a plan at Stripe, then Stripe out of reach
    attempt = stripe_plan(localstripe, client, ALICE)
    supporter = Supporter.objects.get(email=ALICE)
    stripe_settings.READERFUND_STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"

    # when / then
    with pytest.raises(ErasureBlocked, match="Nothing was erased"):
        supporter_erase(supporter)
    supporter.refresh_from_db()
    assert (supporter.email, supporter.name, supporter.erased_at) == (ALICE, ALICE_NAME, None)
    attempt.refresh_from_db()
    assert (attempt.email, attempt.return_to) == (ALICE, "https://news.example/2025/story-of-alice")
    assert RecurringPlan.objects.get().status == PlanStatus.ACTIVE
    assert ALICE in json.dumps(ProviderEvent.objects.get(type="invoice.payment_succeeded").payload)
    subscription = localstripe.get(f"/v1/subscriptions/{attempt.provider_reference}")
    assert subscription["status"] == "active"


# ---- retention ---------------------------------------------------------------------------


def _aged(attempt: PaymentAttempt, days: int) -> PaymentAttempt:
    PaymentAttempt.objects.filter(pk=attempt.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )
    attempt.refresh_from_db()
    return attempt


def test_abandoned_checkouts_forget_the_reader_after_the_retention_period(settings):
    # given checkouts of 40 days ago: given up, failed, paid, a transfer still awaited;
    # and one given up 5 days ago
    settings.READERFUND_BANK_DETAILS = ["IBAN: DE00 0000"]
    gave_up = _aged(sandbox_gift("gave.up@example.org", name="Gave Up", paid=False), 40)
    failed = _aged(sandbox_gift("failed@example.org", name="Failed", paid=False), 40)
    PaymentAttempt.objects.filter(pk=failed.pk).update(status=AttemptStatus.FAILED)
    paid = _aged(sandbox_gift("paid@example.org", name="Paid"), 40)
    provider = provider_get("bank_transfer")
    assert provider is not None
    transfer_data = {
        "frequency": "one_off", "amount_minor": 5000, "currency": "EUR",
        "email": "transfer@example.org", "name": "Transfer",
    }  # fmt: skip
    transfer = _aged(
        checkout_start(data=transfer_data, provider=provider, language="en").attempt, 40
    )
    recent = _aged(sandbox_gift("recent@example.org", name="Recent", paid=False), 5)

    # when
    purged = abandoned_checkouts_purge()
    again = abandoned_checkouts_purge()

    # then
    assert (purged, again) == (2, 0)
    for attempt in (gave_up, failed):
        attempt.refresh_from_db()
        assert (attempt.email, attempt.name, attempt.return_to) == ("", "", "")
        assert (attempt.amount, attempt.campaign) == (500, "ask-2025")  # statistics stay
    for attempt, email in (
        (paid, "paid@example.org"),
        (transfer, "transfer@example.org"),
        (recent, "recent@example.org"),
    ):
        attempt.refresh_from_db()
        assert attempt.email == email


def test_the_retention_period_is_a_setting(settings):
    settings.READERFUND_CHECKOUT_RETENTION_DAYS = 3
    old = _aged(sandbox_gift("four.days@example.org", paid=False), 4)
    young = _aged(sandbox_gift("two.days@example.org", paid=False), 2)

    assert abandoned_checkouts_purge() == 1

    old.refresh_from_db()
    young.refresh_from_db()
    assert (old.email, young.email) == ("", "two.days@example.org")


@pytest.mark.django_db(transaction=True)
def test_the_worker_purges_every_day():
    # given an abandoned checkout of 31 days ago and a starting worker
    old = _aged(sandbox_gift("old@example.org", paid=False), 31)
    assert "readerfund.payments.privacy.retention_periodically" in periodic_tasks()
    periodic_tasks_ensure()
    before = timezone.now()

    # when the worker runs what is due
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)

    # then the reader is forgotten and the next run waits a day
    old.refresh_from_db()
    assert old.email == ""
    runs = DBTaskResult.objects.filter(task_path=retention_periodically.module_path)
    assert runs.filter(status=TaskResultStatus.SUCCESSFUL).count() == 1
    (next_run,) = runs.filter(status=TaskResultStatus.READY)
    assert next_run.run_after is not None
    assert next_run.run_after >= before + RETENTION_EVERY - datetime.timedelta(seconds=5)
