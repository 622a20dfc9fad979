"""The payment-provider interface. A provider is one package (a Django app) — readerfund's
own under `payments/providers/<name>/`, a newsroom's in a pip package of its own — that an
entry point in the `readerfund.payment_providers` group names (docs/providers.md).
Everything provider-specific stays inside it: SDK imports, settings it reads, its part of
the checkout page, its routes, how its stored payloads are scrubbed, its admin. The rest of
readerfund asks the provider object and never compares its name.

Providers speak to the ledger only in *facts* (below): normalized statements about money
that `payments.services` applies idempotently, whatever their source — a webhook, the
reader's return from checkout, or reconciliation.
"""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from argparse import ArgumentParser
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from django.apps import AppConfig
from django.core.management.base import OutputWrapper
from django.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from readerfund.payments.models import Contribution, PaymentAttempt, RecurringPlan


# ---- facts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentSucceeded:
    payment_id: str  # the provider's id of this payment (unique per provider)
    amount: int
    currency: str
    occurred_at: datetime.datetime
    attempt_id: str = ""  # our PaymentAttempt.public_id, carried in the provider's metadata
    plan_id: str = ""  # the provider's id of the recurring plan this payment belongs to


@dataclass(frozen=True)
class PaymentRefunded:
    payment_id: str
    refunded_amount: int  # total refunded so far, not the increment: applying twice is safe
    occurred_at: datetime.datetime


@dataclass(frozen=True)
class PaymentDisputed:
    payment_id: str
    occurred_at: datetime.datetime


@dataclass(frozen=True)
class PlanChanged:
    """The plan's state at the provider at `occurred_at` (the provider's clock): the ledger
    applies it unless it already knows a later state, so events may arrive in any order."""

    plan_id: str
    status: Literal["incomplete", "active", "past_due", "paused", "canceled"]
    occurred_at: datetime.datetime
    attempt_id: str = ""
    # The plan's amount per period at that moment. Providers send it with every change
    # (Stripe's subscription always names its price): the newest fact then sets both the
    # status and the amount, whatever order the facts arrive in. None leaves it as is.
    amount: int | None = None


@dataclass(frozen=True)
class PaymentHeld:
    """Money arrived that does not match the attempt (too little, too much, too late): it
    goes to the review list, and nothing is credited until an admin decides."""

    payment_id: str
    reason: Literal["paid_partial", "paid_over", "paid_late"]
    expected_amount: int
    currency: str
    occurred_at: datetime.datetime
    attempt_id: str = ""
    received_amount: int = 0  # in `currency`'s minor units, as the provider converted it
    received: str = ""  # what arrived, in the provider's words ("0.0001 BTC")


@dataclass(frozen=True)
class AttemptClosed:
    """The provider will take no payment for this attempt any more (an invoice expired or
    became invalid unpaid). Closes a started attempt; a paid one stays paid."""

    attempt_id: str
    occurred_at: datetime.datetime


Fact = (
    PaymentSucceeded | PaymentRefunded | PaymentDisputed | PlanChanged | PaymentHeld | AttemptClosed
)


@dataclass(frozen=True)
class ProviderEventData:
    """A verified event from the provider, ready to be stored once and applied."""

    event_id: str
    type: str
    payload: dict[str, Any]
    facts: list[Fact] = field(default_factory=list)


class WebhookRejected(Exception):
    """Signature, timestamp or version check failed: answer 400, write nothing."""


class ProviderUnavailable(Exception):
    """The provider could not be reached or failed transiently: a retry may help (5xx)."""


class ProviderRefused(Exception):
    """The provider refused a change for a reason a retry will not change (the plan ended
    there meanwhile, a card setup that did not succeed, …). Logged; the supporter is told
    that nothing changed."""


# ---- self-service on a recurring plan ---------------------------------------------------

#: What a supporter may do to a plan from the self-service page, per provider
#: (`PaymentProvider.plan_actions`): the page offers only these.
PLAN_ACTIONS = ("amount", "pause", "card", "cancel")


@dataclass(frozen=True)
class CardUpdate:
    """A card change under way: the browser confirms `client_secret` with the provider's
    script (Stripe.js `confirmCardSetup`), then the server finishes it with `reference`."""

    client_secret: str
    reference: str  # the provider's id of the setup (Stripe: the SetupIntent)
    page_context: dict[str, Any] = field(default_factory=dict)  # publishable key, script URL


# ---- what a provider adds to a supporter's own page ------------------------------------


@dataclass(frozen=True)
class SupporterItem:
    """Something a supporter keeps with a provider besides its plans and gifts, which the
    manage page lists and offers to stop (a crypto pledge: an invoice emailed each month).
    Texts are translated already, in the page's language."""

    key: str  # the provider's id of it, unique among its items (goes into the stop URL)
    title: str  # "$5.00 a month in crypto"
    stop_note: str  # on the "are you sure" page: what it is, what stopping changes
    stopped_note: str  # shown once this stopped it: what happens now
    details: tuple[str, ...] = ()  # "Since …", "Next invoice on …"


class SupporterItemNotFound(LookupError):
    """No such item among the supporter's own (another supporter's looks the same)."""


# ---- starting a payment ----------------------------------------------------------------


@dataclass(frozen=True)
class StartResult:
    """What the checkout page does next."""

    outcome: Literal["succeeded", "requires_action", "redirect", "instructions", "failed"]
    reference: str = ""  # the provider's id of the payment or plan
    client_secret: str = ""  # requires_action: the browser finishes 3-D Secure with it
    redirect_url: str = ""
    message: str = ""  # failed: safe to show the reader
    instructions: Mapping[str, str] = field(default_factory=dict)


class ProviderAppConfig(AppConfig):
    """The Django app of a provider package; its entry point names this class.

    `providers` are the dotted paths of the package's `PaymentProvider` subclasses (imported
    once models are loaded): usually one, or a real one and its test-mode stand-in. A
    `urls.py` in the package is served under `/payments/<identifier of the first>/`.
    """

    providers: ClassVar[tuple[str, ...]]


@dataclass(frozen=True)
class AdminPage:
    """A page of a provider's own in the admin (e.g. a check of its set-up), served under
    Provider events and linked from their list."""

    label: str
    route: str  # under /admin/payments/providerevent/, e.g. "stripe-webhook/"
    name: str  # the URL is named "admin:payments_<name>"
    view: Callable[[HttpRequest], HttpResponse]


class ProviderCommand(Protocol):
    """A subcommand of `readerfund manage payments` that a provider adds (e.g. a set-up)."""

    name: str
    help: str

    def add_arguments(self, parser: ArgumentParser) -> None: ...

    def run(self, options: dict[str, Any], stdout: OutputWrapper) -> None:
        """Does the work; raises CommandError to fail with a message."""


class PaymentProvider(ABC):
    identifier: ClassVar[str]
    #: what readers see on the method's button
    label: ClassVar[str]
    #: marks shown on the checkout page (see campaigns.lists.PAYMENT_MARKS)
    marks: ClassVar[tuple[str, ...]] = ()
    supports_recurring: ClassVar[bool] = True
    #: test-mode providers are labelled as such on every page they touch
    test_mode: ClassVar[bool] = False
    #: a test-mode provider offered in place of this real one while that one is not set up
    #: (and READERFUND_TEST_MODE allows it): the sandbox stands in for "stripe"
    stands_in_for: ClassVar[str] = ""
    #: whether a reader may give through it with no email and no name (no receipt then)
    allows_anonymous: ClassVar[bool] = False
    #: The reader sends the money by bank transfer: the goal shows such money apart.
    paid_by_transfer: ClassVar[bool] = False
    #: keys under which this provider's stored payloads carry a person's name: erasure
    #: blanks the supporter's names there (addresses are replaced everywhere)
    payload_name_keys: ClassVar[frozenset[str]] = frozenset()
    #: templates the give page includes, per slot: "above_methods" (before the method
    #: list) and "method" (right after this method's radio button); context: `provider`
    checkout_fragments: ClassVar[Mapping[str, str]] = {}
    #: the fields of the "update your card" page (scripts included), where plan_actions
    #: has "card"; context: `plan`, `client_secret`, `reference`, `page_context`
    card_template: ClassVar[str] = ""

    def admin_pages(self) -> list[AdminPage]:
        """The provider's own admin pages (none by default)."""
        return []

    def contribution_actions(self) -> list[Callable[..., Any]]:
        """Admin actions of this provider's on the Contributions list (Django admin action
        functions, e.g. marking bank transfers received); none by default."""
        return []

    def commands(self) -> list[ProviderCommand]:
        """The provider's subcommands of `readerfund manage payments` (none by default)."""
        return []

    def supporter_items(self, *, supporter_id: int, language: str) -> list[SupporterItem]:
        """What the supporter has with this provider that the manage page lists, besides
        plans and gifts: only what is still running and may be stopped (none by default).
        Amounts formatted for `language`, the page's (also the active one)."""
        return []

    def supporter_item_stop(self, *, supporter_id: int, key: str) -> bool:
        """Stops one of `supporter_items`: True if this call stopped it, False if it was
        stopped already (a second stop changes nothing). SupporterItemNotFound when the
        supporter has no such item."""
        raise SupporterItemNotFound(key)

    def is_configured(self) -> bool:
        """Whether the operator set this provider up (keys present, …)."""
        return True

    def page_context(self) -> dict[str, Any]:
        """Extra template context for the checkout page (publishable keys, script URLs)."""
        return {}

    def checkout_scripts(self) -> list[str]:
        """URLs of the scripts the give page loads, in order, after its own, when this
        method is offered (they register with `window.readerfundGive`: checkout/give.js)."""
        return []

    def content_security(self) -> Mapping[str, tuple[str, ...]]:
        """Origins the checkout page's CSP must allow, per directive (script-src, frame-src,
        connect-src) — e.g. the provider's script, its card frames and its API."""
        return {}

    @abstractmethod
    def start(self, *, attempt: PaymentAttempt, payment_token: str) -> StartResult:
        """Starts a one-off payment or a recurring plan (per `attempt.frequency`).

        Must pass a deterministic idempotency key derived from the attempt, so that a retry
        of the same attempt never charges twice.
        """

    def confirm(self, *, attempt: PaymentAttempt) -> list[Fact]:
        """The authoritative state of the attempt's payment, fetched from the provider when
        the reader returns from checkout (this may race the webhook; both are applied once)."""
        return []

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> ProviderEventData:
        """Verifies and parses a webhook. Raises WebhookRejected when it is not authentic."""
        raise WebhookRejected(f"{self.identifier} does not receive webhooks")

    def recent_events(self, *, since: datetime.datetime) -> list[ProviderEventData]:
        """Events since a moment, for reconciliation after missed webhooks."""
        return []

    def refund(self, *, contribution: Contribution) -> None:
        """Refunds a contribution in full; the ledger changes when the provider confirms."""
        raise NotImplementedError(f"{self.identifier} cannot refund from readerfund")

    # ---- recurring plans: what a supporter changes from the self-service page -----------
    #
    # Each change is made at the provider first; the ledger follows the provider. The
    # hooks return the facts the provider answered with (the plan as it now is, by the
    # provider's clock), which the caller applies at once; the provider's webhook later
    # says the same again and is applied once more to no effect. A provider whose answer
    # carries no facts returns [] and the ledger waits for its event.
    #
    # Providers that cannot do one of these raise NotImplementedError and leave the action
    # out of `plan_actions`, so the page never offers it. ProviderUnavailable: try again
    # later; ProviderRefused: the provider said no for good.

    #: which of PLAN_ACTIONS ("amount", "pause", "card", "cancel") this provider supports
    plan_actions: ClassVar[frozenset[str]] = frozenset()

    def cancel_plan(self, *, plan: RecurringPlan) -> list[Fact]:
        """Cancels a recurring plan at the provider now (no further payments)."""
        raise NotImplementedError(f"{self.identifier} cannot cancel plans from readerfund")

    def plan_amount_change(self, *, plan: RecurringPlan, amount: int) -> list[Fact]:
        """Sets the amount of every later payment of the plan (same currency and period;
        the amount is already checked against the checkout's limits). Nothing is charged
        or credited for the current period."""
        raise NotImplementedError(f"{self.identifier} cannot change amounts from readerfund")

    def plan_pause(self, *, plan: RecurringPlan) -> list[Fact]:
        """Stops collecting payments until resumed; the plan stays (status `paused`)."""
        raise NotImplementedError(f"{self.identifier} cannot pause plans from readerfund")

    def plan_resume(self, *, plan: RecurringPlan) -> list[Fact]:
        """Collects payments again from the next period on (status `active`)."""
        raise NotImplementedError(f"{self.identifier} cannot resume plans from readerfund")

    def card_update_start(self, *, plan: RecurringPlan) -> CardUpdate:
        """Prepares a new card for the plan's customer: a secret that the browser confirms
        with the provider's own script (card data never reaches readerfund)."""
        raise NotImplementedError(f"{self.identifier} cannot update cards from readerfund")

    def card_update_finish(self, *, plan: RecurringPlan, setup_reference: str) -> list[Fact]:
        """Makes the card set up under `setup_reference` (checked to belong to this plan)
        the one the plan's later payments use; a payment that is due is retried with it."""
        raise NotImplementedError(f"{self.identifier} cannot update cards from readerfund")
