"""Starting a payment: rate limits first, then the attempt, then the provider."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from readerfund.core.ratelimit import RATE_WINDOW, rate_limits_check
from readerfund.payments.models import (
    Contribution,
    ContributionStatus,
    PaymentAttempt,
)
from readerfund.payments.providers.base import PaymentProvider, StartResult
from readerfund.payments.services import supporter_for

# Card-testing bots try many cards quickly from few addresses. These limits are far above
# what a reader needs (a retry after a typo or a declined card) and far below what a bot
# needs. Per window of RATE_WINDOW seconds:
RATE_LIMIT_PER_IP = 10
RATE_LIMIT_PER_SESSION = 5


def rate_limit_check(*, client_ip: str, session_key: str) -> None:
    """Raises RateLimited when this address or browser session started too many payments.

    Only hashes of the address and session are used as keys, and only in the cache.
    """
    rate_limits_check(
        counters=[
            ("checkout-ip", client_ip, RATE_LIMIT_PER_IP),
            ("checkout-session", session_key, RATE_LIMIT_PER_SESSION),
        ],
        window=RATE_WINDOW,
    )


@dataclass(frozen=True)
class Started:
    attempt: PaymentAttempt
    result: StartResult


def checkout_start(*, data: dict[str, Any], provider: PaymentProvider, language: str) -> Started:
    """Records the attempt (amount and currency as the server computed them) and starts it."""
    attempt = PaymentAttempt.objects.create(
        provider=provider.identifier,
        frequency=data["frequency"],
        amount=data["amount_minor"],
        currency=data["currency"],
        email=data["email"].strip().lower(),
        name=data.get("name", ""),
        anonymous=bool(data.get("anonymous")),
        email_consent=bool(data.get("consent")),
        language=language,
        campaign=data.get("campaign", ""),
        variant=data.get("variant", ""),
        channel=data.get("channel", ""),
        return_to=data.get("return_to", ""),
    )
    result = provider.start(attempt=attempt, payment_token=data.get("payment_token", ""))
    attempt.provider_reference = result.reference
    attempt.save(update_fields=["provider_reference"])
    if result.outcome == "instructions":
        _pending_transfer(attempt, result.reference)
    return Started(attempt, result)


@transaction.atomic
def _pending_transfer(attempt: PaymentAttempt, reference: str) -> None:
    """A bank transfer is a contribution awaiting payment until an admin marks it received."""
    Contribution.objects.create(
        supporter=supporter_for(
            email=attempt.email, name=attempt.name, consent=attempt.email_consent,
            language=attempt.language,
        ),
        attempt=attempt, provider=attempt.provider, provider_payment_id=reference,
        frequency=attempt.frequency, amount=attempt.amount, currency=attempt.currency,
        status=ContributionStatus.PENDING, anonymous=attempt.anonymous,
        campaign=attempt.campaign, variant=attempt.variant, channel=attempt.channel,
    )  # fmt: skip
