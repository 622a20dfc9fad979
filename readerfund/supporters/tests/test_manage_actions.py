"""The supporter's page on sandbox plans: change the amount, pause and resume, cancel with a
reason; every form once only, and only on the supporter's own plans. Each change travels
the sandbox's signed event through the same pipeline as a provider's webhook."""

from __future__ import annotations

import datetime
import itertools
import json

import pytest
from django.test import Client

from readerfund.core.models import LinkUse
from readerfund.core.tokens import token_make
from readerfund.payments.models import PlanStatus, ProviderEvent, RecurringPlan
from readerfund.payments.providers.sandbox.provider import (
    SIGNATURE_HEADER,
    SandboxProvider,
    sandbox_sign,
)
from readerfund.payments.services import provider_event_apply
from readerfund.supporters.services import ACTION_PURPOSE
from readerfund.supporters.tests.conftest import (
    action_token,
    plan_of,
    sandbox_gift,
    sign_in,
    supporter_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(client: Client) -> RecurringPlan:
    """A $5 monthly sandbox plan, its supporter signed in on `client`."""
    found = plan_of(sandbox_gift(frequency="monthly", amount=500))
    sign_in(client, found.supporter)
    return found


def _page(client: Client) -> str:
    return client.get("/manage/").content.decode()


def _post(client: Client, plan: RecurringPlan, action: str, **data: str):
    token = action_token(_page(client), action)
    return client.post(f"/manage/plans/{plan.pk}/{action}/", {"action_token": token, **data})


def _plan_events() -> int:
    return ProviderEvent.objects.filter(provider="sandbox", type="plan.updated").count()


def test_changing_the_amount_reaches_the_ledger_through_a_signed_event(client, plan):
    response = _post(client, plan, "amount", amount="12.50")

    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.amount, plan.currency, plan.status) == (1250, "USD", "active")
    event = ProviderEvent.objects.get(provider="sandbox", type="plan.updated")
    assert event.payload["amount"] == 1250
    page = client.get(response["Location"]).content.decode()
    assert "you give $12.50 a month" in page
    assert "$12.50 a month</h3>" in page


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1.99", "The smallest gift is $2."),  # monthly from 2, as the checkout says
        ("10001", "For gifts above $10,000, please write to us."),
        ("5.001", "Enter an amount, like 5 or 12.50."),
        ("-5", "Enter an amount, like 5 or 12.50."),
        ("", "Enter an amount, like 5 or 12.50."),
    ],
)
def test_an_amount_outside_the_checkouts_limits_changes_nothing(client, plan, amount, message):
    response = _post(client, plan, "amount", amount=amount)

    assert response.status_code == 400
    assert message in response.content.decode()
    plan.refresh_from_db()
    assert plan.amount == 500
    assert _plan_events() == 0


def test_a_plan_in_a_three_decimal_currency_is_changed_in_its_own_decimals(client, plan):
    # given a plan in Kuwaiti dinars (three decimals), which the give page does not offer
    RecurringPlan.objects.filter(pk=plan.pk).update(currency="KWD", amount=2000)

    # then its amount field shows KWD 2 as "2" and KWD 1.250 is read as 1250 fils
    assert 'value="2"' in _page(client)
    response = _post(client, plan, "amount", amount="1.250")

    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.amount, plan.currency) == (1250, "KWD")


@pytest.mark.parametrize("amount", ["\u0661\u0662", "\uff15", "\U0001d7d3"])
def test_digits_other_than_0_to_9_change_nothing(client, plan, amount):
    response = _post(client, plan, "amount", amount=amount)

    assert response.status_code == 400
    assert "Please type the amount with the digits 0 to 9" in response.content.decode()
    plan.refresh_from_db()
    assert plan.amount == 500


def test_pause_then_resume(client, plan):
    paused = _post(client, plan, "pause")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PAUSED
    page = client.get(paused["Location"]).content.decode()
    assert "Your regular gift is paused" in page
    assert "/resume/" in page and "/pause/" not in page

    _post(client, plan, "resume")

    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert _plan_events() == 2


def test_a_replayed_form_changes_nothing_twice(client, plan):
    # given the pause form, sent once
    token = action_token(_page(client), "pause")
    first = client.post(f"/manage/plans/{plan.pk}/pause/", {"action_token": token})
    _post(client, plan, "resume")

    # when the same form is sent again (a double click, a replay)
    again = client.post(f"/manage/plans/{plan.pk}/pause/", {"action_token": token})

    # then the plan stays as the last change left it
    assert first.status_code == again.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert _plan_events() == 2
    assert LinkUse.objects.filter(purpose=ACTION_PURPOSE).count() == 2
    assert "This form was already sent" in client.get("/manage/").content.decode()


def test_a_token_made_for_another_supporter_is_refused(client, plan):
    other = plan_of(sandbox_gift(email="other@example.org"))
    foreign = token_make(purpose=ACTION_PURPOSE, subject=str(other.supporter.pk))

    client.post(f"/manage/plans/{plan.pk}/pause/", {"action_token": foreign})

    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    assert _plan_events() == 0


def test_another_supporters_plan_is_not_found(client, plan):
    other = plan_of(sandbox_gift(email="other@example.org"))
    token = action_token(_page(client), "pause")

    for action in ("pause", "amount", "cancel"):
        response = client.post(
            f"/manage/plans/{other.pk}/{action}/", {"action_token": token, "amount": "9"}
        )
        assert response.status_code == 404
    assert client.get(f"/manage/plans/{other.pk}/cancel/").status_code == 404
    other.refresh_from_db()
    assert (other.status, other.amount) == (PlanStatus.ACTIVE, 500)
    assert _plan_events() == 0


def test_without_a_session_no_form_does_anything(plan):
    stranger = Client()
    response = stranger.post(f"/manage/plans/{plan.pk}/pause/", {"action_token": "x"})

    assert response.status_code == 302 and response["Location"] == "/manage/"
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE


def test_cancel_asks_first_and_keeps_the_reason(client, plan):
    confirm = client.get(f"/manage/plans/{plan.pk}/cancel/")
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert "I can&#x27;t afford it right now" in body or "I can't afford it right now" in body

    token = action_token(body, "cancel")
    response = client.post(
        f"/manage/plans/{plan.pk}/cancel/",
        {"action_token": token, "reason": "afford", "note": "Back next year!"},
    )

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELED and plan.canceled_at is not None
    assert (plan.cancel_reason, plan.cancel_note) == ("afford", "Back next year!")
    page = client.get("/manage/").content.decode()
    assert "Your regular gift is canceled" in page
    assert "/cancel/" not in page and "/pause/" not in page and "/amount/" not in page


def test_a_canceled_plan_cannot_be_resumed_or_changed(client, plan):
    token = action_token(client.get(f"/manage/plans/{plan.pk}/cancel/").content.decode(), "cancel")
    client.post(f"/manage/plans/{plan.pk}/cancel/", {"action_token": token})
    fresh = token_make(purpose=ACTION_PURPOSE, subject=str(plan.supporter.pk))

    client.post(f"/manage/plans/{plan.pk}/resume/", {"action_token": fresh})

    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELED
    assert "cannot be changed that way" in client.get("/manage/").content.decode()


def test_the_sandbox_card_change_goes_through(client, plan):
    started = _post(client, plan, "card/start")
    assert started.status_code == 302
    card_page = client.get(started["Location"])
    assert card_page.status_code == 200
    body = card_page.content.decode()
    assert "Test mode" in body
    reference = body.split('name="setup_reference" value="')[1].split('"')[0]
    assert reference.startswith("sbx_seti_")

    token = body.split('name="action_token" value="')[1].split('"')[0]
    done = client.post(
        f"/manage/plans/{plan.pk}/card/finish/",
        {"action_token": token, "setup_reference": reference},
    )

    assert done.status_code == 302
    assert "Your new card is saved" in client.get("/manage/").content.decode()


def test_a_supporter_of_one_off_gifts_sees_no_plan_forms(client):
    sandbox_gift(email="once@example.org", frequency="one_off", amount=2500)
    sign_in(client, supporter_of("once@example.org"))

    page = _page(client)

    assert "$25" in page
    assert "/pause/" not in page and "Regular gifts" not in page


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_plan_events_in_any_order_end_in_the_newest_state(order):
    # given a plan, and three signed sandbox events (each the plan's whole state): paused,
    # resumed at $7, paused again
    plan = plan_of(sandbox_gift(frequency="monthly", amount=500))
    start = plan.status_at
    assert start is not None
    changes = [
        {"status": "paused", "amount": 500, "at": start + datetime.timedelta(minutes=1)},
        {"status": "active", "amount": 700, "at": start + datetime.timedelta(minutes=2)},
        {"status": "paused", "amount": 700, "at": start + datetime.timedelta(minutes=3)},
    ]
    provider = SandboxProvider()

    # when they arrive in any order
    for index in order:
        change = dict(changes[index])
        at = change.pop("at")
        body = json.dumps(
            {"id": f"evt_sbx_{index}", "type": "plan.updated", "plan": plan.provider_plan_id,
             "created": at.isoformat(), **change}
        ).encode()  # fmt: skip
        event = provider.parse_webhook(body=body, headers={SIGNATURE_HEADER: sandbox_sign(body)})
        provider_event_apply(provider="sandbox", event=event)

    # then the plan is as the newest says: paused at $7
    plan.refresh_from_db()
    assert (plan.status, plan.amount) == (PlanStatus.PAUSED, 700)
    assert plan.status_at == changes[2]["at"]
