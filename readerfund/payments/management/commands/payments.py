"""`readerfund manage payments reconcile [--hours N]`."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from readerfund.payments.reconcile import payments_reconcile

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

    def handle(self, *args: Any, **options: Any) -> None:
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
