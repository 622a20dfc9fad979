"""Card payments through Stripe. The Stripe SDK is imported here and nowhere else.

The flow works the same on Stripe and on localstripe, the stand-in the tests run against:

- the checkout page turns the card into a token with Stripe.js (`createToken`): card data
  never reaches readerfund (SAQ-A);
- one-off: a Customer holding the card, then a PaymentIntent confirmed on it at once;
- monthly or annual: the same Customer, a Plan with a deterministic id, then a Subscription
  whose first invoice is paid while the reader is on the page (3-D Secure in the browser
  when the bank asks for it); Stripe collects later payments off-session by itself.

Every create call carries an idempotency key derived from the attempt and the step, so a
retried request never makes a second customer, charge or subscription.

The payment id in the ledger is the PaymentIntent id, for one-off gifts and for the
payments of a plan alike: a refund or a dispute (which name the charge's PaymentIntent)
then finds its contribution whatever kind it was.

A supporter's changes to a plan (docs/self-service.md) are Subscription updates: another
Plan for a new amount (no proration), `pause_collection` to pause and resume, a SetupIntent
for a new card that becomes the Customer's default, a cancellation. Each returns the
Subscription as Stripe answered, dated by Stripe's own clock (the answer's `Date`), so
the ledger shows the change at once and the webhook that follows changes nothing more.
"""

from __future__ import annotations

import datetime
import email.utils
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, cast
from urllib.parse import urlsplit

import stripe
from django.conf import settings
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from readerfund.payments.providers.base import (
    PLAN_ACTIONS,
    AdminPage,
    CardUpdate,
    Fact,
    PaymentDisputed,
    PaymentProvider,
    PaymentRefunded,
    PaymentSucceeded,
    PlanChanged,
    ProviderCommand,
    ProviderEventData,
    ProviderRefused,
    ProviderUnavailable,
    StartResult,
    WebhookRejected,
)
from readerfund.payments.providers.stripe import STRIPE_API_VERSION
from readerfund.payments.providers.stripe.admin_views import stripe_webhook_view
from readerfund.payments.providers.stripe.commands import StripeSetupCommand

if TYPE_CHECKING:
    from stripe.params import (
        CustomerCreateParams,
        SetupIntentCreateParams,
        SubscriptionUpdateParams,
    )

    from readerfund.payments.models import Contribution, PaymentAttempt, RecurringPlan

logger = logging.getLogger(__name__)

#: The Stripe API version of every request we make and of every event we accept.
#: Objects change shape between versions, so an event rendered in another version is
#: rejected (400, logged) rather than half-understood. 2017-08-15 is the version that
#: localstripe renders; pinning it means the shapes the tests exercise are the shapes
#: production receives. The Stripe webhook endpoint must be created with this version.

#: How old a signed webhook may be: an older one is a replay, whatever its signature.
WEBHOOK_TOLERANCE_SECONDS = 300

#: Metadata key that marks Stripe objects as readerfund's and names the attempt.
ATTEMPT_KEY = "readerfund_attempt"

#: The one Product that every readerfund plan belongs to.
PRODUCT_ID = "readerfund-support"

#: Metadata key that ties a SetupIntent (a card change) to the subscription it is for.
PLAN_KEY = "readerfund_plan"

_INTERVALS: dict[str, Literal["month", "year"]] = {"monthly": "month", "annual": "year"}

_LedgerStatus = Literal["incomplete", "active", "past_due", "paused", "canceled"]

# Stripe status → ledger status. Anything else carries no fact. A subscription whose
# collection is paused (`pause_collection` set) stays "active" at Stripe: see _plan_changed.
_PLAN_STATUSES: dict[str, _LedgerStatus] = {
    "active": "active",
    "trialing": "active",
    "past_due": "past_due",
    "unpaid": "past_due",
    "paused": "paused",  # a trial that ended without a payment method (newer API versions)
    "canceled": "canceled",
    "incomplete_expired": "canceled",
    "incomplete": "incomplete",
}

# API versions before 2019-02-11 name two PaymentIntent statuses differently.
_NEEDS_ACTION = {"requires_action", "requires_source_action"}
_NEEDS_PAYMENT_METHOD = {"requires_payment_method", "requires_source"}

# Errors after which a retry may help: the reader sees "try again shortly", a webhook or
# reconciliation answers 5xx. A wrong key is no transient fault, but the reader can do
# nothing about it either; it is logged as an error for the operator.
_TRANSIENT_ERRORS = (
    stripe.APIConnectionError,
    stripe.RateLimitError,
    stripe.APIError,
    stripe.AuthenticationError,
    stripe.PermissionError,
)


class StripeRequestRefused(ProviderRefused):
    """Stripe refused a refund or a change of a plan for a reason a retry will not change."""


def _idempotency_key(attempt: PaymentAttempt, step: str) -> str:
    return f"readerfund-{attempt.public_id}-{step}"


def _at(timestamp: Any) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(int(timestamp), tz=datetime.UTC)


def _answered_at(obj: stripe.StripeObject) -> datetime.datetime:
    """When Stripe answered, by Stripe's clock (the response's `Date`, whole seconds).

    A change's facts carry this moment, so the ledger orders them among Stripe's events
    (whose `created` is Stripe's clock too) without comparing our clock with Stripe's.
    Its event about the same change has the same second, and equal moments both apply.
    """
    response = obj.last_response
    header = response.headers.get("Date") if response is not None else None
    if header:
        try:
            return email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError):
            pass
    logger.warning("Stripe's answer has no Date header; using our clock")
    return datetime.datetime.now(tz=datetime.UTC)


def _id(value: Any) -> str:
    """The id of a field that Stripe sends either as an id or as the expanded object."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def _metadata_attempt(obj: Mapping[str, Any]) -> str:
    metadata = obj.get("metadata") or {}
    return str(metadata.get(ATTEMPT_KEY) or "")


def _invoice_attempt(invoice: Mapping[str, Any]) -> str:
    """Our attempt id on an invoice: from the subscription's metadata snapshot where Stripe
    sends it, else from a subscription line (its metadata reflects the subscription's on
    Stripe, the subscription item's on localstripe; we set it on both)."""
    details = invoice.get("subscription_details") or (invoice.get("parent") or {}).get(
        "subscription_details"
    )
    if isinstance(details, dict) and _metadata_attempt(details):
        return _metadata_attempt(details)
    for line in (invoice.get("lines") or {}).get("data") or []:
        if _metadata_attempt(line):
            return _metadata_attempt(line)
    return ""


def _invoice_subscription(invoice: Mapping[str, Any]) -> str:
    if invoice.get("subscription"):
        return _id(invoice["subscription"])
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return _id(details.get("subscription"))


def _invoice_is_paid(invoice: Mapping[str, Any]) -> bool:
    return invoice.get("status") == "paid" or invoice.get("paid") is True


def _plan_amount(subscription: Mapping[str, Any]) -> int | None:
    items = (subscription.get("items") or {}).get("data") or []
    if items:
        plan = items[0].get("plan") or {}
        amount = plan.get("amount")
        if amount is None:
            amount = (items[0].get("price") or {}).get("unit_amount")
        if amount is not None:
            return int(amount) * int(items[0].get("quantity") or 1)
    plan = subscription.get("plan") or {}
    return int(plan["amount"]) if plan.get("amount") is not None else None


def _intent_charge_time(intent: Mapping[str, Any]) -> Any:
    """When the money moved: the latest charge's creation (after 3-D Secure, if any)."""
    charge = intent.get("latest_charge")
    if not isinstance(charge, dict):
        charges = (intent.get("charges") or {}).get("data") or []
        charge = charges[0] if charges else None
    if isinstance(charge, dict) and charge.get("created"):
        return charge["created"]
    return intent["created"]


def _decline_message(code: str | None) -> str:
    messages = {
        "expired_card": _("Your card has expired. Please try another card."),
        "incorrect_cvc": _("The card's security code is incorrect."),
        "incorrect_number": _("The card number is incorrect."),
        "insufficient_funds": _("Your card has insufficient funds. Please try another card."),
        "processing_error": _("The card could not be charged. Please try again."),
        "payment_intent_authentication_failure": _(
            "The card could not be verified. Please try again or use another card."
        ),
    }
    return messages.get(code or "", _("Your card was declined. Please try another card."))


@contextmanager
def _transient_as_unavailable() -> Iterator[None]:
    try:
        yield
    except _TRANSIENT_ERRORS as error:
        if isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
            logger.error("Stripe refused our key: %s", error.user_message)
        raise ProviderUnavailable(
            f"Stripe: {type(error).__name__}: {error.user_message}"
        ) from error


class StripeProvider(PaymentProvider):
    """Cards through Stripe: one-off PaymentIntents and Subscriptions on Plans."""

    identifier = "stripe"
    label = "Card"
    marks = ("visa", "mastercard", "amex")
    plan_actions = frozenset(PLAN_ACTIONS)
    # Where Stripe's objects name a person: customer, billing details, invoice.
    payload_name_keys = frozenset({"name", "customer_name"})
    checkout_fragments = {
        "above_methods": "payments_stripe/wallet.html",
        "method": "payments_stripe/card_element.html",
    }
    card_template = "payments_stripe/card_fields.html"

    def admin_pages(self) -> list[AdminPage]:
        """Whether Stripe's live webhook endpoint matches what readerfund needs."""
        return [
            AdminPage(
                str(gettext_lazy("Stripe webhook")), "stripe-webhook/", "stripe_webhook",
                stripe_webhook_view,
            )
        ]  # fmt: skip

    def commands(self) -> list[ProviderCommand]:
        return [StripeSetupCommand()]

    def __init__(self, *, http_client: stripe.HTTPClient | None = None) -> None:
        # The registry makes one instance per process; settings are read on every call,
        # so a change of keys (or a test's settings) applies at once.
        self._http_client = http_client

    # ---- configuration ------------------------------------------------------------------

    def is_configured(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_PUBLISHABLE_KEY)

    def page_context(self) -> dict[str, Any]:
        context: dict[str, Any] = {
            "stripe_publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "stripe_js_url": settings.READERFUND_STRIPE_JS_URL,
        }
        # Wallets (Apple Pay, Google Pay) need the Stripe account's country, which Stripe.js
        # passes to the wallet as the merchant's; they are offered only once it is named
        # (the operator registers the site's domain with Stripe at the same time).
        country = settings.STRIPE_ACCOUNT_COUNTRY
        if len(country) == 2 and country.isalpha():
            context["stripe_wallet_country"] = country
        return context

    def checkout_scripts(self) -> list[str]:
        return [settings.READERFUND_STRIPE_JS_URL, static("payments_stripe/give.js")]

    def content_security(self) -> Mapping[str, tuple[str, ...]]:
        parts = urlsplit(settings.READERFUND_STRIPE_JS_URL)
        if not (parts.scheme and parts.netloc):
            return {}
        js = f"{parts.scheme}://{parts.netloc}"
        if js != "https://js.stripe.com":  # a local stand-in serves everything itself
            return {"script-src": (js,), "frame-src": (js,), "connect-src": (js,)}
        # Stripe's published requirements for Stripe.js and Elements with 3-D Secure.
        return {
            "script-src": (js,),
            "frame-src": (js, "https://hooks.stripe.com"),
            "connect-src": ("https://api.stripe.com",),
        }

    def _client(self) -> stripe.StripeClient:
        base = settings.READERFUND_STRIPE_API_BASE
        return stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            stripe_version=STRIPE_API_VERSION,
            base_addresses={"api": base} if base else None,
            # Retries of POSTs reuse our idempotency keys, so they cannot charge twice.
            max_network_retries=2,
            http_client=self._http_client,
        )

    # ---- starting a payment -------------------------------------------------------------

    def start(self, *, attempt: PaymentAttempt, payment_token: str) -> StartResult:
        """Charges the tokenized card once, or starts a plan whose first payment is now.

        Declines are answered with a message for the reader; an unreachable Stripe raises
        ProviderUnavailable (the reader is asked to try again shortly).
        """
        if not payment_token.startswith("tok_"):
            return StartResult("failed", message=_("Please enter your card details."))
        client = self._client()
        try:
            with _transient_as_unavailable():
                customer_id, card_id = self._customer_create(client, attempt, payment_token)
                if attempt.frequency in _INTERVALS:
                    return self._plan_start(client, attempt, customer_id)
                return self._one_off_start(client, attempt, customer_id, card_id)
        except stripe.CardError as error:
            return StartResult("failed", message=_decline_message(error.code))
        except stripe.InvalidRequestError as error:
            # Typically a token that was already used or does not exist: the reader can
            # enter the card again. Anything else is ours to fix, hence the log.
            logger.warning("Stripe refused attempt %s: %s", attempt.public_id, error.user_message)
            return StartResult(
                "failed", message=_("The card could not be used. Please check it or try another.")
            )
        except stripe.StripeError as error:
            # e.g. an idempotency key reused with other parameters: a bug, never a charge.
            logger.error("Stripe error for attempt %s: %r", attempt.public_id, error)
            return StartResult("failed", message=_("The payment failed. Please try again."))

    def _customer_create(
        self, client: stripe.StripeClient, attempt: PaymentAttempt, token: str
    ) -> tuple[str, str]:
        params: CustomerCreateParams = {
            "email": attempt.email,
            "source": token,
            "metadata": {ATTEMPT_KEY: str(attempt.public_id)},
        }
        if attempt.name:
            params["name"] = attempt.name
        customer = client.v1.customers.create(
            params, {"idempotency_key": _idempotency_key(attempt, "customer")}
        ).to_dict(for_json=True)
        return str(customer["id"]), _id(customer.get("default_source"))

    def _one_off_start(
        self, client: stripe.StripeClient, attempt: PaymentAttempt, customer_id: str, card_id: str
    ) -> StartResult:
        intent = client.v1.payment_intents.create(
            {
                "amount": attempt.amount,
                "currency": attempt.currency.lower(),
                "customer": customer_id,
                "payment_method": card_id,
                "confirm": True,
                "metadata": {ATTEMPT_KEY: str(attempt.public_id)},
            },
            {"idempotency_key": _idempotency_key(attempt, "payment")},
        ).to_dict(for_json=True)
        return self._intent_outcome(intent, reference=str(intent["id"]))

    def _intent_outcome(self, intent: Mapping[str, Any], *, reference: str) -> StartResult:
        status = intent.get("status")
        if status in {"succeeded", "processing"}:
            # "processing": the money is on its way; the webhook records it when it lands.
            return StartResult("succeeded", reference=reference)
        if status in _NEEDS_ACTION:
            return StartResult(
                "requires_action", reference=reference, client_secret=intent["client_secret"]
            )
        error = intent.get("last_payment_error") or {}
        return StartResult(
            "failed", reference=reference, message=_decline_message(error.get("code"))
        )

    def _plan_start(
        self, client: stripe.StripeClient, attempt: PaymentAttempt, customer_id: str
    ) -> StartResult:
        plan_id = self._plan_ensure(
            client, frequency=attempt.frequency, currency=attempt.currency, amount=attempt.amount
        )
        metadata = {ATTEMPT_KEY: str(attempt.public_id)}
        subscription = client.v1.subscriptions.create(
            {
                "customer": customer_id,
                # The item carries the metadata too: invoice lines reflect it, so an
                # invoice event can be traced to its attempt without another request.
                "items": [{"plan": plan_id, "metadata": metadata}],
                "metadata": metadata,
                # Explicit, because API versions before 2019-03-14 default to failing the
                # whole call when the first payment needs 3-D Secure.
                "payment_behavior": "allow_incomplete",
                "expand": ["latest_invoice.payment_intent"],
            },
            {"idempotency_key": _idempotency_key(attempt, "subscription")},
        ).to_dict(for_json=True)
        reference = str(subscription["id"])
        if subscription.get("status") in {"active", "trialing"}:
            return StartResult("succeeded", reference=reference)
        invoice = subscription.get("latest_invoice")
        intent = invoice.get("payment_intent") if isinstance(invoice, dict) else None
        if isinstance(intent, dict) and intent.get("status") in _NEEDS_ACTION:
            return StartResult(
                "requires_action", reference=reference, client_secret=intent["client_secret"]
            )
        # The first payment failed: end the subscription now rather than leave Stripe to
        # expire it in a day. The reader starts again with another card (a new attempt).
        try:
            self._subscription_cancel(client, reference)
        except (stripe.StripeError, StripeRequestRefused) as error:
            logger.warning("could not cancel unpaid %s (Stripe expires it): %r", reference, error)
        failure = (intent or {}).get("last_payment_error") or {}
        return StartResult(
            "failed", reference=reference, message=_decline_message(failure.get("code"))
        )

    def _plan_ensure(
        self, client: stripe.StripeClient, *, frequency: str, currency: str, amount: int
    ) -> str:
        """The Plan for this interval, currency and amount, made on first use.

        Ids are deterministic, so every reader giving $5 a month shares one plan, and two
        servers racing to create it end up with the same one.
        """
        interval = _INTERVALS[frequency]
        currency = currency.lower()
        plan_id = f"readerfund-{interval}-{currency}-{amount}"
        if self._exists(lambda: client.v1.plans.retrieve(plan_id)):
            return plan_id
        if not self._exists(lambda: client.v1.products.retrieve(PRODUCT_ID)):
            self._create_once(
                lambda: client.v1.products.create(
                    {"id": PRODUCT_ID, "name": "Reader support", "type": "service"},
                    {"idempotency_key": f"readerfund-product-{PRODUCT_ID}"},
                ),
                lambda: client.v1.products.retrieve(PRODUCT_ID),
            )
        self._create_once(
            lambda: client.v1.plans.create(
                {
                    "id": plan_id,
                    "amount": amount,
                    "currency": currency,
                    "interval": interval,
                    "product": PRODUCT_ID,
                },
                {"idempotency_key": f"readerfund-plan-{plan_id}"},
            ),
            lambda: client.v1.plans.retrieve(plan_id),
        )
        return plan_id

    @staticmethod
    def _exists(retrieve: Callable[[], object]) -> bool:
        try:
            retrieve()
        except stripe.InvalidRequestError as error:
            if error.http_status == 404:
                return False
            raise
        return True

    @staticmethod
    def _create_once(create: Callable[[], object], retrieve: Callable[[], object]) -> None:
        """Creates an object with a fixed id; one created meanwhile by another server is as
        good (Stripe answers 400 "already exists", localstripe 409 "Conflict")."""
        try:
            create()
        except (stripe.InvalidRequestError, stripe.APIError) as error:
            if error.http_status not in {400, 409}:
                raise
            retrieve()  # raises if it really is not there

    # ---- the reader's return: the authoritative state ----------------------------------

    def confirm(self, *, attempt: PaymentAttempt) -> list[Fact]:
        """Facts about the attempt's PaymentIntent or Subscription as Stripe has them now."""
        reference = attempt.provider_reference
        if not reference.startswith(("pi_", "sub_")):
            return []
        client = self._client()
        try:
            with _transient_as_unavailable():
                if reference.startswith("pi_"):
                    obj = client.v1.payment_intents.retrieve(reference).to_dict(for_json=True)
                else:
                    obj = client.v1.subscriptions.retrieve(
                        reference, {"expand": ["latest_invoice"]}
                    ).to_dict(for_json=True)
        except stripe.InvalidRequestError as error:
            logger.warning("cannot confirm attempt %s: %s", attempt.public_id, error.user_message)
            return []
        if _metadata_attempt(obj) != str(attempt.public_id):
            logger.warning("%s does not belong to attempt %s", reference, attempt.public_id)
            return []
        if reference.startswith("pi_"):
            if obj.get("status") != "succeeded" or obj.get("invoice"):
                return []
            return [self._intent_succeeded(obj, at=_at(_intent_charge_time(obj)))]
        return self._subscription_facts(obj)

    def _subscription_facts(
        self, subscription: Mapping[str, Any], *, at: datetime.datetime | None = None
    ) -> list[Fact]:
        invoice = subscription.get("latest_invoice")
        invoice = invoice if isinstance(invoice, dict) else {}
        paid_at = (invoice.get("status_transitions") or {}).get("paid_at")
        if at is None:
            # The newest moment Stripe itself reports about this subscription, so that
            # this snapshot never overrides an event that happened after it (and no clock
            # of ours is compared with Stripe's).
            moments = [
                subscription.get(name)
                for name in ("created", "start_date", "canceled_at", "ended_at")
            ]
            at = _at(max(int(m) for m in [*moments, paid_at] if m))
        facts: list[Fact] = []
        plan_fact = self._plan_changed(subscription, at=at)
        if plan_fact is not None:
            facts.append(plan_fact)
        if _invoice_is_paid(invoice):
            payment = self._invoice_paid(
                invoice,
                subscription_id=str(subscription["id"]),
                attempt_id=_metadata_attempt(subscription),
                at=_at(paid_at or invoice.get("created") or at.timestamp()),
            )
            if payment is not None:
                facts.append(payment)
        return facts

    # ---- events -------------------------------------------------------------------------

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> ProviderEventData:
        """Verifies the Stripe-Signature (HMAC of the timestamp and the raw body with the
        endpoint's secret, at most 300 s old), the API version and the mode, then maps the
        event to facts. Raises WebhookRejected for anything not authentic or not ours to read.
        """
        secret = settings.STRIPE_WEBHOOK_SECRET
        if not secret:
            raise WebhookRejected("STRIPE_WEBHOOK_SECRET is not set: no event can be verified")
        signature = next(
            (value for key, value in headers.items() if key.lower() == "stripe-signature"), ""
        )
        try:
            stripe.WebhookSignature.verify_header(
                body, signature, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
            )
            payload = json.loads(body)
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as error:
            raise WebhookRejected(f"Stripe signature check failed: {error}") from error
        return self._event_data(payload)

    def recent_events(self, *, since: datetime.datetime) -> list[ProviderEventData]:
        """Stripe's events since `since` (it keeps 30 days), oldest first.

        They come from the API over TLS with our secret key, so they carry no signature;
        the version and mode checks still apply (a mismatch is logged and skipped).
        """
        client = self._client()
        events: list[ProviderEventData] = []
        with _transient_as_unavailable():
            page = client.v1.events.list({"created": {"gte": int(since.timestamp())}, "limit": 100})
            for event in page.auto_paging_iter():
                try:
                    events.append(self._event_data(event.to_dict(for_json=True)))
                except WebhookRejected as error:
                    logger.error("skipped Stripe event %s: %s", event.id, error)
        events.sort(key=lambda event: int(event.payload.get("created") or 0))
        return events

    def _event_data(self, payload: Any) -> ProviderEventData:
        if not isinstance(payload, dict) or payload.get("object") != "event":
            raise WebhookRejected("not a Stripe event")
        event_id, event_type = payload.get("id"), payload.get("type")
        obj = (payload.get("data") or {}).get("object")
        if not isinstance(event_id, str) or not isinstance(event_type, str):
            raise WebhookRejected("a Stripe event without id or type")
        if not isinstance(obj, dict) or not isinstance(payload.get("created"), int):
            raise WebhookRejected(f"Stripe event {event_id} has no object or time")
        version = payload.get("api_version")
        if version != STRIPE_API_VERSION:
            raise WebhookRejected(
                f"Stripe event {event_id} has API version {version}, not {STRIPE_API_VERSION}: "
                "set the webhook endpoint's version"
            )
        live_key = settings.STRIPE_SECRET_KEY.startswith(("sk_live_", "rk_live_"))
        if bool(payload.get("livemode")) != live_key:
            # A test-mode event must never credit a live ledger, nor the other way round.
            raise WebhookRejected(f"Stripe event {event_id} is from the other mode")
        facts = self._facts(event_type, obj, at=_at(payload["created"]))
        return ProviderEventData(event_id, event_type, payload, facts)

    def _facts(
        self, event_type: str, obj: Mapping[str, Any], *, at: datetime.datetime
    ) -> list[Fact]:
        """Maps one event to facts. An event that is not about readerfund's objects, or of a
        type we do not act on, maps to no facts: it is stored and answered 200, because a
        retry would not change that."""
        fact: Fact | None = None
        if event_type == "payment_intent.succeeded":
            # A PaymentIntent of an invoice is a plan payment: it comes through the
            # invoice's event, which names the plan.
            if not obj.get("invoice") and _metadata_attempt(obj):
                fact = self._intent_succeeded(obj, at=at)
        elif event_type in {"invoice.payment_succeeded", "invoice.paid"}:
            subscription_id = _invoice_subscription(obj)
            attempt_id = _invoice_attempt(obj)
            if subscription_id and attempt_id:
                fact = self._invoice_paid(
                    obj, subscription_id=subscription_id, attempt_id=attempt_id, at=at
                )
        elif event_type in {
            "customer.subscription.created",
            "customer.subscription.updated",
            "customer.subscription.deleted",
        }:
            if _metadata_attempt(obj):
                deleted = event_type == "customer.subscription.deleted"
                fact = self._plan_changed(obj, at=at, canceled=deleted)
        elif event_type == "charge.refunded":
            if obj.get("payment_intent"):
                fact = PaymentRefunded(
                    payment_id=_id(obj["payment_intent"]),
                    refunded_amount=int(obj.get("amount_refunded") or 0),
                    occurred_at=at,
                )
        elif event_type == "charge.dispute.created":
            if obj.get("payment_intent"):
                fact = PaymentDisputed(payment_id=_id(obj["payment_intent"]), occurred_at=at)
            else:
                logger.warning("Stripe dispute %s names no PaymentIntent", obj.get("id"))
        return [fact] if fact is not None else []

    @staticmethod
    def _intent_succeeded(intent: Mapping[str, Any], *, at: datetime.datetime) -> PaymentSucceeded:
        return PaymentSucceeded(
            payment_id=str(intent["id"]),
            amount=int(intent.get("amount_received") or intent["amount"]),
            currency=str(intent["currency"]).upper(),
            occurred_at=at,
            attempt_id=_metadata_attempt(intent),
        )

    @staticmethod
    def _invoice_paid(
        invoice: Mapping[str, Any], *, subscription_id: str, attempt_id: str, at: datetime.datetime
    ) -> PaymentSucceeded | None:
        amount = invoice.get("amount_paid")
        if amount is None:
            amount = invoice.get("total") or 0
        if int(amount) <= 0:
            return None  # a free period (trial, credit): no money, no contribution
        # Without a PaymentIntent (paid from the customer's credit balance) the invoice
        # itself is the payment.
        payment_id = _id(invoice.get("payment_intent")) or str(invoice["id"])
        return PaymentSucceeded(
            payment_id=payment_id,
            amount=int(amount),
            currency=str(invoice["currency"]).upper(),
            occurred_at=at,
            attempt_id=attempt_id,
            plan_id=subscription_id,
        )

    @staticmethod
    def _plan_changed(
        subscription: Mapping[str, Any], *, at: datetime.datetime, canceled: bool = False
    ) -> PlanChanged | None:
        status = "canceled" if canceled else _PLAN_STATUSES.get(str(subscription.get("status")))
        if status is None:
            logger.info("Stripe subscription %s is %s", subscription["id"], subscription["status"])
            return None
        if status in {"active", "past_due"} and subscription.get("pause_collection"):
            # Paused by readerfund (or in Stripe's dashboard): Stripe keeps the status and
            # sets `pause_collection` until it is resumed.
            status = "paused"
        return PlanChanged(
            plan_id=str(subscription["id"]),
            status=status,
            occurred_at=at,
            attempt_id=_metadata_attempt(subscription),
            amount=_plan_amount(subscription),
        )

    # ---- operator actions ---------------------------------------------------------------

    def refund(self, *, contribution: Contribution) -> None:
        """Refunds the contribution's PaymentIntent in full; charge.refunded updates the ledger.

        The idempotency key is the payment's, so a double click refunds once.
        """
        client = self._client()
        try:
            with _transient_as_unavailable():
                client.v1.refunds.create(
                    {"payment_intent": contribution.provider_payment_id},
                    {"idempotency_key": f"readerfund-refund-{contribution.provider_payment_id}"},
                )
        except stripe.InvalidRequestError as error:
            if error.code == "charge_already_refunded":
                return  # what we wanted
            raise StripeRequestRefused(error.user_message or str(error)) from error

    def cancel_plan(self, *, plan: RecurringPlan) -> list[Fact]:
        """Cancels the subscription now; returns it canceled (customer.subscription.deleted
        follows and changes nothing more)."""
        client = self._client()
        with _transient_as_unavailable(), _refusals_as_refused(plan):
            answer = self._subscription_cancel(client, plan.provider_plan_id)
        return self._answer_facts(answer)

    @staticmethod
    def _subscription_cancel(
        client: stripe.StripeClient, subscription_id: str
    ) -> stripe.Subscription:
        # DELETE is idempotent by definition: Stripe takes no idempotency key for it.
        try:
            return client.v1.subscriptions.cancel(subscription_id)
        except stripe.InvalidRequestError as error:
            subscription = client.v1.subscriptions.retrieve(subscription_id)
            if subscription.to_dict().get("status") not in {"canceled", "incomplete_expired"}:
                raise StripeRequestRefused(error.user_message or str(error)) from error
            return subscription

    # ---- a supporter's changes (docs/self-service.md) ----------------------------------
    #
    # Updates carry no idempotency key of ours: each sets a value (a plan, a pause, a
    # default card), so repeating one changes nothing, and the SDK adds its own key to the
    # retries it makes. localstripe (the tests' stand-in) lacks `pause_collection` and
    # sends no customer.subscription.updated; everything else below runs on both.

    def plan_amount_change(self, *, plan: RecurringPlan, amount: int) -> list[Fact]:
        """Moves the subscription's one item to the Plan of the new amount, without
        proration: the current period stays paid as it was, the next payment is the new
        amount. `prorate: false` is the parameter of the pinned API version (2017-08-15;
        later versions call it `proration_behavior: none`)."""
        client = self._client()
        with _transient_as_unavailable(), _refusals_as_refused(plan):
            subscription = self._subscription_get(client, plan)
            items = (subscription.get("items") or {}).get("data") or []
            if len(items) != 1:
                raise StripeRequestRefused(f"{plan.provider_plan_id} has {len(items)} items")
            plan_id = self._plan_ensure(
                client, frequency=plan.frequency, currency=plan.currency, amount=amount
            )
            item = {"id": items[0]["id"], "plan": plan_id, "metadata": items[0].get("metadata")}
            params = {"items": [item], "prorate": False}
            answer = client.v1.subscriptions.update(
                plan.provider_plan_id, cast("SubscriptionUpdateParams", params)
            )
        return self._answer_facts(answer)

    def plan_pause(self, *, plan: RecurringPlan) -> list[Fact]:
        """Pauses collection: Stripe voids the invoices of paused periods (nothing is owed
        for them) and keeps the subscription, reported as paused until resumed."""
        return self._subscription_update(plan, {"pause_collection": {"behavior": "void"}})

    def plan_resume(self, *, plan: RecurringPlan) -> list[Fact]:
        """Ends the pause (an empty value unsets `pause_collection`)."""
        return self._subscription_update(plan, {"pause_collection": ""})

    def _subscription_update(
        self, plan: RecurringPlan, params: SubscriptionUpdateParams
    ) -> list[Fact]:
        client = self._client()
        with _transient_as_unavailable(), _refusals_as_refused(plan):
            answer = client.v1.subscriptions.update(plan.provider_plan_id, params)
        return self._answer_facts(answer)

    def card_update_start(self, *, plan: RecurringPlan) -> CardUpdate:
        """A SetupIntent for the subscription's customer, marked with the subscription, for
        Stripe.js `confirmCardSetup` in the supporter's browser (3-D Secure there if the
        bank asks)."""
        client = self._client()
        with _transient_as_unavailable(), _refusals_as_refused(plan):
            subscription = self._subscription_get(client, plan)
            params: SetupIntentCreateParams = {
                "customer": _id(subscription.get("customer")),
                "usage": "off_session",
                "metadata": {PLAN_KEY: plan.provider_plan_id},
            }
            intent = client.v1.setup_intents.create(params)
        return CardUpdate(
            client_secret=str(intent.client_secret),
            reference=str(intent.id),
            page_context=self.page_context(),
        )

    def card_update_finish(self, *, plan: RecurringPlan, setup_reference: str) -> list[Fact]:
        """Makes the confirmed SetupIntent's card the one the plan is charged on, then
        retries a payment that is due (a past-due plan is paid up at once instead of on
        Stripe's next retry, days later).

        The card becomes the Customer's `invoice_settings.default_payment_method`, which
        every invoice of the subscription uses, because readerfund's subscriptions carry no
        default of their own; one that does (set in Stripe's dashboard) gets the card as
        its own default too. localstripe does not attach a SetupIntent's card to its
        customer as Stripe does, so it is attached here when it is not yet.
        """
        if not setup_reference.startswith("seti_"):
            raise StripeRequestRefused(f"{setup_reference!r} is not a SetupIntent")
        client = self._client()
        with _transient_as_unavailable(), _refusals_as_refused(plan):
            intent = client.v1.setup_intents.retrieve(setup_reference).to_dict(for_json=True)
            subscription = self._subscription_get(client, plan)
            customer = _id(subscription.get("customer"))
            if (intent.get("metadata") or {}).get(PLAN_KEY) != plan.provider_plan_id or (
                _id(intent.get("customer")) != customer
            ):
                raise StripeRequestRefused(f"{setup_reference} is not for this plan")
            if intent.get("status") != "succeeded":
                raise StripeRequestRefused(f"{setup_reference} is {intent.get('status')}")
            card = _id(intent.get("payment_method"))
            method = client.v1.payment_methods.retrieve(card).to_dict(for_json=True)
            if _id(method.get("customer")) != customer:
                client.v1.payment_methods.attach(card, {"customer": customer})
            client.v1.customers.update(
                customer, {"invoice_settings": {"default_payment_method": card}}
            )
            if subscription.get("default_payment_method") or subscription.get("default_source"):
                client.v1.subscriptions.update(
                    plan.provider_plan_id, {"default_payment_method": card}
                )
            self._due_invoice_pay(client, subscription)
            answer = client.v1.subscriptions.retrieve(
                plan.provider_plan_id, {"expand": ["latest_invoice"]}
            )
        return self._subscription_facts(answer.to_dict(for_json=True), at=_answered_at(answer))

    @staticmethod
    def _due_invoice_pay(client: stripe.StripeClient, subscription: Mapping[str, Any]) -> None:
        invoice = subscription.get("latest_invoice")
        if not isinstance(invoice, dict) or invoice.get("status") != "open":
            return
        try:
            client.v1.invoices.pay(str(invoice["id"]))
        except (stripe.CardError, stripe.InvalidRequestError) as error:
            # Declined again (or paid meanwhile): the card is saved all the same, and
            # Stripe retries the invoice on its own schedule.
            logger.info("retrying %s with the new card: %s", invoice["id"], error.user_message)

    @staticmethod
    def _subscription_get(client: stripe.StripeClient, plan: RecurringPlan) -> dict[str, Any]:
        subscription = client.v1.subscriptions.retrieve(
            plan.provider_plan_id, {"expand": ["latest_invoice"]}
        ).to_dict(for_json=True)
        if subscription.get("status") in {"canceled", "incomplete_expired"}:
            raise StripeRequestRefused(f"{plan.provider_plan_id} has ended at Stripe")
        return subscription

    def _answer_facts(self, answer: stripe.Subscription) -> list[Fact]:
        """The subscription as Stripe answered a change, as of the answer's moment."""
        fact = self._plan_changed(answer.to_dict(for_json=True), at=_answered_at(answer))
        return [fact] if fact is not None else []


@contextmanager
def _refusals_as_refused(plan: RecurringPlan) -> Iterator[None]:
    """Stripe said no (unknown or ended subscription, declined card setup, a key reused
    with other parameters): a retry will not help. Logged, raised as ProviderRefused."""
    try:
        yield
    except (stripe.InvalidRequestError, stripe.CardError, stripe.IdempotencyError) as error:
        logger.warning(
            "Stripe refused a change of %s: %s", plan.provider_plan_id, error.user_message
        )
        raise StripeRequestRefused(error.user_message or str(error)) from error
