"""Start-up checks of the payment set-up (`readerfund serve` runs them; so does
`readerfund manage check`): production says loudly what readers will be offered."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning

from readerfund.payments.registry import real_providers_configured


def payment_setup_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.PRODUCTION:
        return []
    messages: list[CheckMessage] = []
    if not real_providers_configured():
        messages.append(
            Warning(
                "No real payment provider is set up: readers are offered no way to pay.",
                hint="Set STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET, "
                "or READERFUND_BANK_DETAILS, and list the method in READERFUND_PAYMENT_METHODS.",
                id="readerfund.W001",
            )
        )
    if settings.READERFUND_TEST_MODE:
        messages.append(
            Warning(
                "READERFUND_TEST_MODE is on: the test-mode card is offered where no card "
                "provider is set up, every page says so, and test gifts never count toward "
                "the goal.",
                hint="Unset READERFUND_TEST_MODE before taking real money.",
                id="readerfund.W002",
            )
        )
    return messages
