"""`readerfund manage payments stripe-setup [--url URL] [--check]`: Stripe's webhook endpoint
for this server, created or repaired with the pinned API version and the events readerfund
needs; prints the signing secret to set when it is new."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError, OutputWrapper

from readerfund.payments.providers.stripe.setup import (
    STRIPE_WEBHOOK_EVENTS,
    StripeSetupError,
    stripe_endpoint_check,
    stripe_endpoint_setup,
)


class StripeSetupCommand:
    name = "stripe-setup"
    help = (
        "create or repair Stripe's webhook endpoint for this server (pinned API version, "
        "the events readerfund needs) and print its signing secret"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--url", default="", help="the endpoint's URL (default: from READERFUND_PUBLIC_URL)"
        )
        parser.add_argument(
            "--check", action="store_true", help="only say whether it matches (exit 1 if not)"
        )

    def run(self, options: dict[str, Any], stdout: OutputWrapper) -> None:
        url = options["url"] or None
        try:
            if options["check"]:
                check = stripe_endpoint_check(url=url)
                if check.matches:
                    stdout.write(f"{check.url}: matches ({check.endpoint_id})")
                    return
                raise CommandError(f"{check.url}: " + "; ".join(check.problems))
            outcome = stripe_endpoint_setup(url=url)
        except StripeSetupError as error:
            raise CommandError(str(error)) from error
        stdout.write(
            f"webhook endpoint {outcome.endpoint_id}: {outcome.action}"
            + (f" ({'; '.join(outcome.fixed)})" if outcome.fixed else "")
        )
        stdout.write("events: " + ", ".join(STRIPE_WEBHOOK_EVENTS))
        if outcome.secret:
            stdout.write(
                "Set this signing secret and restart readerfund (the old one no longer "
                f"verifies anything):\nSTRIPE_WEBHOOK_SECRET={outcome.secret}"
            )
        else:
            stdout.write("its signing secret is unchanged: STRIPE_WEBHOOK_SECRET stays")
