"""Stripe's webhook endpoint, set up through Stripe's API so that it cannot be wrong: our
URL, the pinned API version (events of another version are refused, so a wrong version
loses every event) and the event types the Stripe provider acts on.

`readerfund manage payments stripe-setup` creates or repairs it; the admin page
"Stripe webhook" (payments.admin) shows whether the live endpoint matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import stripe
from django.conf import settings
from django.urls import reverse

from readerfund.payments.providers.stripe import STRIPE_API_VERSION

#: The event types the Stripe provider turns into facts (providers/stripe.py, `_facts`);
#: README's "Stripe webhook" paragraph lists the same.
STRIPE_WEBHOOK_EVENTS = (
    "payment_intent.succeeded",
    "invoice.payment_succeeded",
    "invoice.paid",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "charge.refunded",
    "charge.dispute.created",
)

DESCRIPTION = "readerfund"


class StripeSetupError(Exception):
    """Stripe could not be asked or refused; the message says what to fix."""


@dataclass
class EndpointCheck:
    url: str
    endpoint_id: str = ""
    problems: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # other endpoints with our URL

    @property
    def matches(self) -> bool:
        return bool(self.endpoint_id) and not self.problems


@dataclass(frozen=True)
class SetupOutcome:
    action: str  # "unchanged", "created", "updated" or "recreated"
    endpoint_id: str
    secret: str  # the new signing secret; "" when the endpoint kept its own
    fixed: tuple[str, ...] = ()


def stripe_webhook_url() -> str:
    """Where Stripe must post: this server's public address and the webhook route."""
    path = reverse("webhook", kwargs={"provider": "stripe"})
    return settings.READERFUND_PUBLIC_URL.rstrip("/") + path


def _client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise StripeSetupError("STRIPE_SECRET_KEY is not set: Stripe is not configured")
    base = settings.READERFUND_STRIPE_API_BASE
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        stripe_version=STRIPE_API_VERSION,
        base_addresses={"api": base} if base else None,
        max_network_retries=2,
    )


def _problems(endpoint: Any) -> list[str]:
    problems = []
    if endpoint.get("api_version") != STRIPE_API_VERSION:
        problems.append(
            f"API version is {endpoint.get('api_version') or 'the account default'}, "
            f"not {STRIPE_API_VERSION}"
        )
    if endpoint.get("status") != "enabled":
        problems.append(f"the endpoint is {endpoint.get('status')}")
    events = set(endpoint.get("enabled_events") or [])
    missing = [e for e in STRIPE_WEBHOOK_EVENTS if e not in events]
    if "*" in events:
        problems.append("it sends every event type ('*'), not only the ones readerfund uses")
    elif missing:
        problems.append("events missing: " + ", ".join(missing))
    return problems


def _ours(client: stripe.StripeClient, url: str) -> list[Any]:
    try:
        listed = client.v1.webhook_endpoints.list({"limit": 100})
        # Plain dicts: the SDK's objects refuse dict methods.
        endpoints: list[Any] = [e.to_dict() for e in listed.auto_paging_iter()]
        return [e for e in endpoints if e.get("url") == url]
    except stripe.StripeError as error:
        raise StripeSetupError(f"Stripe did not answer the endpoint list: {error}") from error


def _best(endpoints: list[Any]) -> Any:
    """The endpoint to keep: a matching one, else one with the right version (its secret
    can stay), else the first."""
    for candidates in (
        [e for e in endpoints if not _problems(e)],
        [e for e in endpoints if e.get("api_version") == STRIPE_API_VERSION],
        endpoints,
    ):
        if candidates:
            return candidates[0]
    return None


def stripe_endpoint_check(*, url: str | None = None) -> EndpointCheck:
    """Whether Stripe has an endpoint for this server as readerfund needs it."""
    url = url or stripe_webhook_url()
    endpoints = _ours(_client(), url)
    check = EndpointCheck(url=url)
    best = _best(endpoints)
    if best is None:
        check.problems.append(f"Stripe has no webhook endpoint for {url}")
        return check
    check.endpoint_id = best["id"]
    check.problems = _problems(best)
    check.duplicates = [e["id"] for e in endpoints if e["id"] != best["id"]]
    return check


def stripe_endpoint_setup(*, url: str | None = None) -> SetupOutcome:
    """Creates the endpoint, or repairs it: events and status are updated in place (its
    signing secret stays); a wrong API version cannot be changed on an endpoint, so that
    one is replaced by a new endpoint, whose new secret must then be set."""
    url = url or stripe_webhook_url()
    client = _client()
    best = _best(_ours(client, url))
    try:
        if best is not None and best.get("api_version") == STRIPE_API_VERSION:
            problems = _problems(best)
            if not problems:
                return SetupOutcome("unchanged", best["id"], "")
            repair: Any = {"enabled_events": list(STRIPE_WEBHOOK_EVENTS), "disabled": False}
            client.v1.webhook_endpoints.update(best["id"], repair)
            return SetupOutcome("updated", best["id"], "", tuple(problems))
        wanted: Any = {
            "url": url,
            "api_version": STRIPE_API_VERSION,
            "enabled_events": list(STRIPE_WEBHOOK_EVENTS),
            "description": DESCRIPTION,
        }
        created: Any = client.v1.webhook_endpoints.create(wanted).to_dict()
        if best is None:
            return SetupOutcome("created", created["id"], created.get("secret") or "")
        # Only once the new endpoint exists: no moment without one.
        client.v1.webhook_endpoints.delete(best["id"])
        return SetupOutcome(
            "recreated", created["id"], created.get("secret") or "", tuple(_problems(best))
        )
    except stripe.StripeError as error:
        raise StripeSetupError(f"Stripe refused the change: {error}") from error
