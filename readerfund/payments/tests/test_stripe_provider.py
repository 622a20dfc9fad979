"""The Stripe provider against localstripe: one-off gifts, plans, 3-D Secure, declines and
idempotency keys, through the real SDK and real HTTP."""

from __future__ import annotations

import pytest
import stripe

from readerfund.payments.models import (
    AttemptStatus,
    Contribution,
    PlanStatus,
    RecurringPlan,
)
from readerfund.payments.providers.base import PaymentSucceeded, PlanChanged
from readerfund.payments.providers.stripe.provider import StripeProvider
from readerfund.payments.registry import provider_get
from readerfund.payments.services import attempt_confirm
from readerfund.payments.tests.conftest import (
    DECLINED,
    DECLINED_ON_CHARGE,
    VISA,
    VISA_3DS,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(stripe_settings) -> StripeProvider:
    found = provider_get("stripe")
    assert isinstance(found, StripeProvider)
    return found


def _start(provider, attempt, token):
    """What checkout does: start, then remember the provider's reference."""
    result = provider.start(attempt=attempt, payment_token=token)
    attempt.provider_reference = result.reference
    attempt.save(update_fields=["provider_reference"])
    return result


def test_configured_only_with_both_keys_and_names_its_script_origin(settings, localstripe):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_PUBLISHABLE_KEY = ""
    settings.READERFUND_STRIPE_JS_URL = "https://js.stripe.com/v3/"
    provider = StripeProvider()
    assert not provider.is_configured()

    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_x"

    assert provider.is_configured()
    assert provider.page_context() == {
        "stripe_publishable_key": "pk_test_x",
        "stripe_js_url": "https://js.stripe.com/v3/",
    }
    assert provider.content_security() == {
        "script-src": ("https://js.stripe.com",),
        "frame-src": ("https://js.stripe.com", "https://hooks.stripe.com"),
        "connect-src": ("https://api.stripe.com",),
    }


def test_a_one_off_card_gift_is_recorded_exactly_once(provider, localstripe, make_attempt):
    # given a reader giving $5 once with a card that Stripe.js tokenized
    attempt = make_attempt(frequency="one_off", amount=500, currency="USD")

    # when the payment starts and the reader comes back
    result = _start(provider, attempt, localstripe.card_token(VISA))
    facts = provider.confirm(attempt=attempt)
    first = attempt_confirm(attempt=attempt, facts=facts)
    again = attempt_confirm(attempt=attempt, facts=provider.confirm(attempt=attempt))

    # then Stripe charged $5 and the ledger holds one contribution, attributed
    assert result.outcome == "succeeded"
    assert result.reference.startswith("pi_")
    intent = localstripe.get(f"/v1/payment_intents/{result.reference}")
    assert (intent["status"], intent["amount"], intent["currency"]) == ("succeeded", 500, "usd")
    assert intent["metadata"] == {"readerfund_attempt": str(attempt.public_id)}
    assert facts == [
        PaymentSucceeded(
            payment_id=result.reference,
            amount=500,
            currency="USD",
            occurred_at=facts[0].occurred_at,
            attempt_id=str(attempt.public_id),
        )
    ]
    assert (first, again) == (1, 0)
    contribution = Contribution.objects.get()
    assert contribution.provider_payment_id == result.reference
    assert (contribution.amount, contribution.currency, contribution.frequency) == (
        500,
        "USD",
        "one_off",
    )
    assert (contribution.campaign, contribution.variant, contribution.channel) == (
        "ask-2025",
        "b",
        "ask",
    )
    assert contribution.supporter is not None
    assert contribution.supporter.email == "reader@example.org"
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUCCEEDED


@pytest.mark.parametrize(("frequency", "interval"), [("monthly", "month"), ("annual", "year")])
def test_a_plan_starts_active_with_its_first_contribution(
    provider, localstripe, make_attempt, frequency, interval
):
    # given a reader giving $2 a month (or a year)
    attempt = make_attempt(frequency=frequency, amount=200, currency="USD")

    # when the plan starts and the reader comes back
    result = _start(provider, attempt, localstripe.card_token(VISA))
    created = attempt_confirm(attempt=attempt, facts=provider.confirm(attempt=attempt))

    # then Stripe has an active subscription on a shared, deterministic plan…
    assert result.outcome == "succeeded"
    assert result.reference.startswith("sub_")
    subscription = localstripe.get(f"/v1/subscriptions/{result.reference}")
    assert subscription["status"] == "active"
    plan = subscription["items"]["data"][0]["plan"]
    assert plan["id"] == f"readerfund-{interval}-usd-200"
    assert plan["product"] == "readerfund-support"
    assert (plan["amount"], plan["interval"]) == (200, interval)
    # …and the ledger an active plan with its first payment
    assert created == 1
    ledger_plan = RecurringPlan.objects.get()
    assert ledger_plan.provider_plan_id == result.reference
    assert (ledger_plan.status, ledger_plan.amount, ledger_plan.frequency) == (
        PlanStatus.ACTIVE,
        200,
        frequency,
    )
    contribution = Contribution.objects.get()
    assert contribution.plan == ledger_plan
    assert contribution.frequency == frequency
    invoice = localstripe.get(f"/v1/invoices/{subscription['latest_invoice']}")
    assert contribution.provider_payment_id == invoice["payment_intent"]


def test_a_second_plan_of_the_same_amount_reuses_the_stripe_plan(
    provider, localstripe, make_attempt
):
    attempt = make_attempt(frequency="monthly", amount=200)
    first = _start(provider, attempt, localstripe.card_token())
    second = _start(
        provider,
        make_attempt(frequency="monthly", amount=200, email="other@example.org"),
        localstripe.card_token(),
    )

    assert (first.outcome, second.outcome) == ("succeeded", "succeeded")
    plans = localstripe.get("/v1/plans")["data"]
    assert [plan["id"] for plan in plans] == ["readerfund-month-usd-200"]


def test_3d_secure_then_authenticated_records_the_gift(provider, localstripe, make_attempt):
    # given a card whose bank asks for 3-D Secure
    attempt = make_attempt(frequency="one_off", amount=500)
    result = _start(provider, attempt, localstripe.card_token(VISA_3DS))
    assert result.outcome == "requires_action"
    assert result.client_secret.startswith(result.reference + "_secret_")
    # nothing is received while the challenge is open
    assert provider.confirm(attempt=attempt) == []

    # when the reader passes the challenge in the browser
    localstripe.authenticate(result.client_secret, success=True)

    # then the return records the gift
    assert attempt_confirm(attempt=attempt, facts=provider.confirm(attempt=attempt)) == 1
    assert Contribution.objects.get().provider_payment_id == result.reference


def test_3d_secure_on_a_plans_first_payment(provider, localstripe, make_attempt):
    attempt = make_attempt(frequency="monthly", amount=200)
    result = _start(provider, attempt, localstripe.card_token(VISA_3DS))
    assert result.outcome == "requires_action"
    assert result.reference.startswith("sub_")

    localstripe.authenticate(result.client_secret, success=True)
    created = attempt_confirm(attempt=attempt, facts=provider.confirm(attempt=attempt))

    assert created == 1
    assert RecurringPlan.objects.get().status == PlanStatus.ACTIVE
    assert Contribution.objects.get().plan is not None


def test_refused_authentication_records_nothing(provider, localstripe, make_attempt):
    attempt = make_attempt(frequency="one_off", amount=500)
    result = _start(provider, attempt, localstripe.card_token(VISA_3DS))

    localstripe.authenticate(result.client_secret, success=False)
    facts = provider.confirm(attempt=attempt)
    attempt_confirm(attempt=attempt, facts=facts)

    assert facts == []
    assert not Contribution.objects.exists()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.STARTED


def test_refused_authentication_of_a_plan_leaves_it_canceled_and_unpaid(
    provider, localstripe, make_attempt
):
    attempt = make_attempt(frequency="monthly", amount=200)
    result = _start(provider, attempt, localstripe.card_token(VISA_3DS))

    localstripe.authenticate(result.client_secret, success=False)
    facts = provider.confirm(attempt=attempt)
    attempt_confirm(attempt=attempt, facts=facts)

    assert [type(fact) for fact in facts] == [PlanChanged]
    assert RecurringPlan.objects.get().status == PlanStatus.CANCELED
    assert not Contribution.objects.exists()


@pytest.mark.parametrize("card", [DECLINED, DECLINED_ON_CHARGE])
@pytest.mark.parametrize("frequency", ["one_off", "monthly"])
def test_a_declined_card_fails_with_a_message_and_records_nothing(
    provider, localstripe, make_attempt, card, frequency
):
    attempt = make_attempt(frequency=frequency, amount=500)

    result = _start(provider, attempt, localstripe.card_token(card))
    facts = provider.confirm(attempt=attempt)
    attempt_confirm(attempt=attempt, facts=facts)

    assert result.outcome == "failed"
    assert "declined" in result.message
    assert not any(isinstance(fact, PaymentSucceeded) for fact in facts)
    assert not Contribution.objects.exists()
    assert not RecurringPlan.objects.exclude(status=PlanStatus.CANCELED).exists()
    if result.reference.startswith("sub_"):
        # a plan whose first payment failed is not left to linger at Stripe
        subscription = localstripe.get(f"/v1/subscriptions/{result.reference}")
        assert subscription["status"] == "canceled"


def test_a_missing_or_foreign_token_fails_without_a_charge(provider, localstripe, make_attempt):
    attempt = make_attempt()

    missing = provider.start(attempt=attempt, payment_token="")
    unknown = provider.start(attempt=make_attempt(), payment_token="tok_doesnotexist")

    assert (missing.outcome, unknown.outcome) == ("failed", "failed")
    assert missing.message and unknown.message
    assert localstripe.get("/v1/charges")["data"] == []


def test_stripe_unreachable_raises_provider_unavailable(stripe_settings, make_attempt):
    from readerfund.payments.providers.base import ProviderUnavailable
    from readerfund.tests.processes import free_port

    stripe_settings.READERFUND_STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(ProviderUnavailable):
        StripeProvider().start(attempt=make_attempt(), payment_token="tok_anything")


class RecordingHTTPClient(stripe.RequestsClient):
    """The SDK's own HTTP client, noting what it sends: no answer is invented."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str, dict[str, str]]] = []

    def request(self, method, url, headers, post_data=None):  # type: ignore[override]
        self.sent.append((method, url, dict(headers or {})))
        return super().request(method, url, headers, post_data)

    def idempotency_keys(self) -> list[tuple[str, str]]:
        return [
            (url.split("/v1/")[1], headers["Idempotency-Key"])
            for method, url, headers in self.sent
            if method == "post"
        ]


SHARED_OBJECTS = {"plans", "products"}  # made once for every attempt, keyed by their own id


@pytest.mark.parametrize("frequency", ["one_off", "monthly"])
def test_a_retried_start_sends_the_same_idempotency_keys(
    stripe_settings, localstripe, make_attempt, frequency
):
    """On Stripe, a request repeated with its key returns the first answer, so a retried
    attempt cannot charge twice. localstripe ignores Idempotency-Key (it would make a second
    customer and payment), so this checks what we control: the keys themselves."""
    recorder = RecordingHTTPClient()
    provider = StripeProvider(http_client=recorder)
    attempt = make_attempt(frequency=frequency, amount=300)

    provider.start(attempt=attempt, payment_token=localstripe.card_token())
    first = recorder.idempotency_keys()
    recorder.sent.clear()
    provider.start(attempt=attempt, payment_token=localstripe.card_token())
    retry = [pair for pair in recorder.idempotency_keys() if pair[0] not in SHARED_OBJECTS]
    recorder.sent.clear()
    another_attempt = make_attempt(frequency=frequency)
    provider.start(attempt=another_attempt, payment_token=localstripe.card_token())
    other = recorder.idempotency_keys()

    creates = [pair for pair in first if pair[0] not in SHARED_OBJECTS]
    expected_paths = ["customers", "payment_intents" if frequency == "one_off" else "subscriptions"]
    assert [path for path, _key in creates] == expected_paths
    assert all(str(attempt.public_id) in key for _path, key in creates)
    assert retry == creates
    assert len({key for _path, key in creates}) == len(creates)  # one key per step
    assert not {key for _path, key in other} & {key for _path, key in creates}
    if frequency == "monthly":
        # the shared plan is created once, under a key of its own id
        assert ("plans", "readerfund-plan-readerfund-month-usd-300") in first


def test_refund_and_cancel_reach_stripe(provider, localstripe, make_attempt):
    gift = make_attempt(frequency="one_off", amount=500)
    _start(provider, gift, localstripe.card_token())
    attempt_confirm(attempt=gift, facts=provider.confirm(attempt=gift))
    plan_attempt = make_attempt(frequency="monthly", amount=200, email="plan@example.org")
    _start(provider, plan_attempt, localstripe.card_token())
    attempt_confirm(attempt=plan_attempt, facts=provider.confirm(attempt=plan_attempt))

    contribution = Contribution.objects.get(attempt=gift)
    provider.refund(contribution=contribution)
    provider.cancel_plan(plan=RecurringPlan.objects.get())
    provider.cancel_plan(plan=RecurringPlan.objects.get())  # twice is harmless

    intent = localstripe.get(f"/v1/payment_intents/{contribution.provider_payment_id}")
    charge = localstripe.get(f"/v1/charges/{intent['latest_charge']['id']}")
    assert (charge["refunded"], charge["amount_refunded"]) == (True, 500)
    subscription = localstripe.get(f"/v1/subscriptions/{plan_attempt.provider_reference}")
    assert subscription["status"] == "canceled"
    # the ledger changes only when Stripe's events say so (see test_webhooks)
    contribution.refresh_from_db()
    assert contribution.status == "succeeded"
