"""Helpers for the manage-page tests: gifts through the sandbox's own signed events, and a
browser session signed in through the emailed link."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from readerfund.payments.emails import manage_url
from readerfund.payments.models import Contribution, PaymentAttempt, RecurringPlan
from readerfund.payments.providers.sandbox.provider import SIGNATURE_HEADER, SandboxProvider
from readerfund.payments.services import provider_event_apply

# The payments tests' fixtures, for the Stripe plans here: attempts, signed webhooks.
from readerfund.payments.tests.conftest import make_attempt, post_webhook  # noqa: F401
from readerfund.supporters.models import Supporter


def sandbox_gift(
    *,
    email: str = "reader@example.org",
    frequency: str = "monthly",
    amount: int = 500,
    currency: str = "USD",
    return_to: str = "",
    language: str = "en",
) -> PaymentAttempt:
    """A gift paid on the sandbox page: the sandbox's signed event, through the pipeline."""
    attempt = PaymentAttempt.objects.create(
        provider="sandbox", frequency=frequency, amount=amount, currency=currency, email=email,
        name="A Reader", return_to=return_to, language=language,
    )  # fmt: skip
    provider = SandboxProvider()
    body, signature = provider.event_for(attempt=attempt, paid=True)
    event = provider.parse_webhook(body=body, headers={SIGNATURE_HEADER: signature})
    provider_event_apply(provider="sandbox", event=event)
    return attempt


def local(url: str) -> str:
    """An absolute link of this server (as in an email) as the test client's path."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def plan_of(attempt: PaymentAttempt) -> RecurringPlan:
    return RecurringPlan.objects.get(attempt=attempt)


def supporter_of(email: str = "reader@example.org") -> Supporter:
    return Supporter.objects.get(email=email)


def sign_in(client: Client, supporter: Supporter) -> None:
    """Follows the emailed link, as the supporter's browser does."""
    response = client.get(local(manage_url(supporter_id=supporter.pk)))
    assert response.status_code == 302, response
    assert response["Location"] == "/manage/"


def action_token(page: str, action: str) -> str:
    """The single-use token of the form that posts to a path ending in `action`/."""
    pattern = rf'action="[^"]*/{re.escape(action)}/"[^>]*>\s*<input[^>]*csrfmiddlewaretoken[^>]*>'
    pattern += r'<input type="hidden" name="action_token" value="([^"]+)">'
    found = re.search(pattern, page)
    assert found, f"no form for {action}"
    return found.group(1)


@pytest.fixture
def signed_in_client(client: Client) -> Callable[[Supporter], Client]:
    def sign(supporter: Supporter) -> Client:
        sign_in(client, supporter)
        return client

    return sign


def received_on(contribution: Contribution, **moment: Any) -> None:
    """Moves a gift to another day (a renewal of a past year, say)."""
    contribution.received_at = timezone.make_aware(datetime.datetime(**moment))
    contribution.save(update_fields=["received_at"])
