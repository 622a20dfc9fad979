"""`readerfund manage payments reconcile [--hours N]` | `import-statement FILE…` |
`stripe-setup [--url URL]`."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from readerfund.payments.reconcile import payments_reconcile
from readerfund.payments.statements.entries import StatementRefused
from readerfund.payments.statements.services import statement_import
from readerfund.payments.stripe_setup import (
    STRIPE_WEBHOOK_EVENTS,
    StripeSetupError,
    stripe_endpoint_check,
    stripe_endpoint_setup,
)

# Stripe retries a failed webhook for three days: past that, only reconciliation brings
# an event in. Run it (e.g. hourly from cron) with a window at least as long.
DEFAULT_HOURS = 72


class Command(BaseCommand):
    help = "Payment ledger upkeep."

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        reconcile = actions.add_parser(
            "reconcile", help="apply provider events that no webhook delivered"
        )
        reconcile.add_argument(
            "--hours",
            type=int,
            default=DEFAULT_HOURS,
            help=f"how far back to look (default: {DEFAULT_HOURS})",
        )

        statement = actions.add_parser(
            "import-statement",
            help="credit bank transfers from MT940 or camt.053/camt.054 statement files",
        )
        statement.add_argument("files", nargs="+", type=Path, metavar="FILE")
        setup = actions.add_parser(
            "stripe-setup",
            help="create or repair Stripe's webhook endpoint for this server (pinned API "
            "version, the events readerfund needs) and print its signing secret",
        )
        setup.add_argument(
            "--url", default="", help="the endpoint's URL (default: from READERFUND_PUBLIC_URL)"
        )
        setup.add_argument(
            "--check", action="store_true", help="only say whether it matches (exit 1 if not)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import-statement":
            self._statements_import(options["files"])
            return
        if options["action"] == "stripe-setup":
            self._stripe_setup(url=options["url"] or None, check_only=options["check"])
            return
        hours = options["hours"]
        if hours <= 0:
            raise CommandError("--hours must be a positive number of hours")
        report = payments_reconcile(since=timezone.now() - timedelta(hours=hours))
        self.stdout.write(
            f"reconciled the last {hours} h: {report.events_seen} events, "
            f"{report.events_applied} newly applied, {report.events_known} already known, "
            f"{report.events_deferred} deferred; "
            f"{report.contributions_created} contributions recorded"
        )
        if report.unavailable:
            # Non-zero exit, so cron or a monitor notices; the next run tries again.
            raise CommandError("not reachable: " + ", ".join(report.unavailable))

    def _statements_import(self, files: list[Path]) -> None:
        refused = []
        for path in files:
            try:
                report = statement_import(data=path.read_bytes(), filename=path.name)
            except (OSError, StatementRefused) as error:
                # Each file is all or nothing; the others are still imported.
                self.stderr.write(f"{path}: refused, nothing imported: {error}")
                refused.append(str(path))
                continue
            self.stdout.write(
                f"{path}: {report.format}, {report.entries} entries "
                f"({report.debits} debits, {report.known} credits imported before); "
                f"{report.credited} transfers credited, {report.standing_orders} standing "
                f"order payments, {report.to_review} to review"
            )
            for entry in report.reviews:
                self.stdout.write(
                    f"  review: {entry.booked_on} {entry.amount} {entry.currency} "
                    f"{entry.reference or '-'} ({entry.get_reason_display()})"
                )
        if refused:
            raise CommandError("refused: " + ", ".join(refused))

    def _stripe_setup(self, *, url: str | None, check_only: bool) -> None:
        try:
            if check_only:
                check = stripe_endpoint_check(url=url)
                if check.matches:
                    self.stdout.write(f"{check.url}: matches ({check.endpoint_id})")
                    return
                raise CommandError(f"{check.url}: " + "; ".join(check.problems))
            outcome = stripe_endpoint_setup(url=url)
        except StripeSetupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"webhook endpoint {outcome.endpoint_id}: {outcome.action}"
            + (f" ({'; '.join(outcome.fixed)})" if outcome.fixed else "")
        )
        self.stdout.write("events: " + ", ".join(STRIPE_WEBHOOK_EVENTS))
        if outcome.secret:
            self.stdout.write(
                "Set this signing secret and restart readerfund (the old one no longer "
                f"verifies anything):\nSTRIPE_WEBHOOK_SECRET={outcome.secret}"
            )
        else:
            self.stdout.write("its signing secret is unchanged: STRIPE_WEBHOOK_SECRET stays")
